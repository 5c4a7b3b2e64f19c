package org.isaerft.activations;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import org.isaerft.data.Corpus;
import org.isaerft.data.CorpusReader;
import org.isaerft.data.TokenizedDocument;
import org.isaerft.model.LanguageModel;
import org.isaerft.sae.SparseAutoencoder;

/**
 * The one way to mine a corpus through model + SAE into a records folder: corpus → documents →
 * sequences (cut, never packed) → token budget → optional shard → {@link Miner} → logit lens →
 * {@link MiningOutput}. {@code isaerft mine} and the pipeline's mine stage both call it. A corpus that
 * yields no tokens is an error naming the corpus, never an empty records folder.
 */
public final class MiningJob {
    /** How the token budget ends the stream. */
    public enum Budget {
        /** Cut the last sequence so exactly the budget is mined ({@code isaerft mine}). */
        EXACT,
        /** Keep the last sequence whole (the pipeline's mine stage). */
        WHOLE_SEQUENCES
    }

    /** What was mined and the index written. */
    public record Result(Miner.Result mining, MiningIndex index) {}

    private final Builder b;

    private MiningJob(Builder b) {
        this.b = b;
    }

    public static Builder builder(LanguageModel model, SparseAutoencoder sae, Path corpus) {
        return new Builder(model, sae, corpus);
    }

    /** Mines and writes {@code out/} (latent records, index.json, state/). */
    public Result run(Path out) {
        LanguageModel lm = b.model;
        Miner.Builder mb = Miner.builder(lm, b.sae).config(b.config).batchSize(b.batch).seqLen(b.seqLen).measureForward(b.measureForward);
        if (b.source != null) {
            mb.source(b.source);
        }
        b.functions.forEach(mb::add);
        mb.progress(b.progress);
        Miner miner = mb.build();
        OptionalInt bos = lm.tokenizer().prependsBos() ? lm.tokenizer().bosId() : OptionalInt.empty();
        String corpusDesc = b.corpus.toString();
        Miner.Result res;
        try (CorpusReader reader = CorpusReader.open(b.corpus, b.textField)) { // closed even when the budget stops the stream early
            Iterator<TokenizedDocument> docs = new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return reader.hasNext();
                }

                @Override
                public TokenizedDocument next() {
                    return Corpus.tokenize(reader.next(), lm.tokenizer());
                }
            };
            Iterator<TokenSequence> seqs = Sequences.chunk(docs, TokenizedDocument::index, TokenizedDocument::tokens, b.seqLen, bos);
            seqs = b.budget == Budget.EXACT ? Sequences.limitTokens(seqs, b.tokens) : Sequences.limitWholeSequences(seqs, b.tokens);
            if (b.shardCount > 0) {
                seqs = Sequences.shard(seqs, b.shardIndex, b.shardCount);
                corpusDesc += " (shard " + b.shardIndex + "/" + b.shardCount + ")";
            }
            res = miner.mine(seqs);
        }
        if (res.tokens() == 0) {
            throw new IllegalArgumentException("corpus " + b.corpus + " has no tokens to mine" + (b.shardCount > 0 ? " in shard "
                    + b.shardIndex + "/" + b.shardCount : "") + ": it holds no documents (or only empty ones) in the expected format "
                    + "(text documents split on blank lines, JSONL with a '" + b.textField + "' field, or token ids)");
        }
        List<LogitLens[]> lenses = miner.logitLenses(b.lensTop);
        List<MiningOutput.SourceState> states = new ArrayList<>();
        for (int i = 0; i < res.accumulators().size(); i++) {
            states.add(new MiningOutput.SourceState(res.accumulators().get(i), lenses.get(i)));
        }
        Map<Integer, String> strings = MiningOutput.tokenStrings(res.accumulators(), lm.tokenizer()::tokenString);
        MiningIndex idx = MiningOutput.write(out, states, strings,
                new MiningOutput.Provenance(b.modelName, b.saeSpec, corpusDesc, List.of(), res.tokensPerSecond()));
        return new Result(res, idx);
    }

    /** Options; defaults: {@link MiningConfig#DEFAULT}, batch 8, seq 128, text field "text", logit lens top 10, exact budget. */
    public static final class Builder {
        private final LanguageModel model;
        private final SparseAutoencoder sae;
        private final Path corpus;
        private MiningConfig config = MiningConfig.DEFAULT;
        private String textField = "text";
        private long tokens = Long.MAX_VALUE;
        private int batch = 8;
        private int seqLen = 128;
        private String source;
        private final List<LatentFunction> functions = new ArrayList<>();
        private int shardIndex;
        private int shardCount;
        private int lensTop = 10;
        private boolean measureForward;
        private Miner.Progress progress;
        private Budget budget = Budget.EXACT;
        private String modelName = "unknown";
        private String saeSpec = "unknown";

        private Builder(LanguageModel model, SparseAutoencoder sae, Path corpus) {
            this.model = Objects.requireNonNull(model, "model");
            this.sae = Objects.requireNonNull(sae, "sae");
            this.corpus = Objects.requireNonNull(corpus, "corpus");
        }

        public Builder config(MiningConfig c) { config = Objects.requireNonNull(c, "config"); return this; }
        public Builder textField(String f) { textField = f; return this; }
        public Builder tokens(long n) {
            if (n < 1) {
                throw new IllegalArgumentException("mining token budget must be >= 1, found " + n);
            }
            tokens = n;
            return this;
        }
        public Builder batch(int n) { batch = n; return this; }
        public Builder seqLen(int n) { seqLen = n; return this; }
        /** Source part of latent ids (default: the SAE's hook point). */
        public Builder source(String s) { source = s; return this; }
        public Builder add(LatentFunction f) { functions.add(f); return this; }
        /** Mine only sequences i, i+n, … of the stream. */
        public Builder shard(int i, int n) {
            if (n < 1 || i < 0 || i >= n) {
                throw new IllegalArgumentException("shard must be I/N with 0 <= I < N, found " + i + "/" + n);
            }
            shardIndex = i;
            shardCount = n;
            return this;
        }
        public Builder lensTop(int n) { lensTop = n; return this; }
        public Builder measureForward(boolean on) { measureForward = on; return this; }
        public Builder progress(Miner.Progress p) { progress = p; return this; }
        public Builder budget(Budget rule) { budget = Objects.requireNonNull(rule, "budget"); return this; }
        /** Model and SAE as named in index.json's provenance. */
        public Builder provenance(String model, String sae) { modelName = model; saeSpec = sae; return this; }

        public MiningJob build() {
            return new MiningJob(this);
        }
    }
}
