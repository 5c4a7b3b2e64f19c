package org.isaerft.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.isaerft.model.Tokenizer;

/**
 * A corpus as model input: read ({@link CorpusReader}) → keep one {@link DocumentSplit.Part} →
 * tokenise (BOS prepended when {@link Tokenizer#prependsBos()}; pre-tokenised ids verbatim, checked
 * against the vocabulary) → pack into windows ({@link WindowPacker}) → optionally shuffle with a
 * seeded buffer ({@link Shuffle}) → batches. Everything streams; a new iterator re-reads the files.
 */
public final class Corpus {
    private final Path path;
    private final Tokenizer tokenizer;
    private final int seqLen;
    private final int batchSize;
    private final DocumentSplit split;
    private final DocumentSplit.Part part;
    private final int shuffleBuffer;
    private final long seed;
    private final String textField;

    private Corpus(Builder b) {
        this.path = b.path;
        this.tokenizer = b.tokenizer;
        this.seqLen = b.seqLen;
        this.batchSize = b.batchSize;
        this.split = b.split;
        this.part = b.part;
        this.shuffleBuffer = b.shuffleBuffer;
        this.seed = b.seed;
        this.textField = b.textField;
    }

    public static Builder builder(Path path) {
        return new Builder(path);
    }

    public int seqLen() {
        return seqLen;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Tokenises one raw document for this corpus' tokenizer. */
    public static TokenizedDocument tokenize(RawDocument d, Tokenizer tokenizer) {
        if (d.pretokenized()) {
            if (tokenizer != null) {
                for (int t : d.tokens()) {
                    if (t >= tokenizer.vocabSize()) {
                        throw new IllegalArgumentException(d.source() + ": token id " + t + " is outside the vocabulary of "
                                + tokenizer.vocabSize());
                    }
                }
            }
            return new TokenizedDocument(d.index(), d.source(), d.tokens());
        }
        if (tokenizer == null) {
            throw new IllegalArgumentException(d.source() + ": text documents need a tokenizer");
        }
        return new TokenizedDocument(d.index(), d.source(), tokenizer.encode(d.text(), tokenizer.prependsBos()));
    }

    /** Tokenised documents of the chosen part, streamed; the underlying file is closed when the iterator is exhausted. */
    public Iterator<TokenizedDocument> documents() {
        CorpusReader reader = CorpusReader.open(path, textField);
        return new Iterator<>() {
            private TokenizedDocument pending;
            private long kept;
            private long tokens;

            @Override
            public boolean hasNext() {
                while (pending == null && reader.hasNext()) {
                    RawDocument d = reader.next();
                    if (split.keeps(part, d.index())) {
                        pending = tokenize(d, tokenizer);
                        kept++;
                        tokens += pending.tokens().length;
                    }
                }
                if (pending == null) {
                    reader.close();
                    if (kept == 0) {
                        throw new IllegalArgumentException("corpus " + path + " has no documents in its " + part.name().toLowerCase(java.util.Locale.ROOT)
                                + " part (held-out fraction " + split.heldOutFraction() + ")");
                    }
                    if (tokens == 0) {
                        throw new IllegalArgumentException("corpus " + path + " has no tokens: its " + kept + " documents are all empty");
                    }
                }
                return pending != null;
            }

            @Override
            public TokenizedDocument next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                TokenizedDocument d = pending;
                pending = null;
                return d;
            }
        };
    }

    /** Packed (and, with a shuffle buffer, shuffled) windows. */
    public Iterator<Window> windows() {
        Iterator<Window> w = new WindowPacker(documents(), seqLen);
        return shuffleBuffer > 0 ? new Shuffle<>(w, shuffleBuffer, seed) : w;
    }

    /** Batches of {@code batchSize} windows; the last batch may be smaller. */
    public Iterator<Batch> batches() {
        Iterator<Window> w = windows();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return w.hasNext();
            }

            @Override
            public Batch next() {
                if (!w.hasNext()) {
                    throw new NoSuchElementException();
                }
                List<Window> rows = new ArrayList<>(batchSize);
                while (rows.size() < batchSize && w.hasNext()) {
                    rows.add(w.next());
                }
                return new Batch(rows);
            }
        };
    }

    /** Options; defaults: seq 128, batch 8, all documents, no shuffle, seed 0, text field "text". */
    public static final class Builder {
        private final Path path;
        private Tokenizer tokenizer;
        private int seqLen = 128;
        private int batchSize = 8;
        private DocumentSplit split = DocumentSplit.none();
        private DocumentSplit.Part part = DocumentSplit.Part.ALL;
        private int shuffleBuffer;
        private long seed;
        private String textField = "text";

        private Builder(Path path) {
            this.path = path;
        }

        public Builder tokenizer(Tokenizer t) { tokenizer = t; return this; }
        public Builder seqLen(int v) { seqLen = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder split(DocumentSplit s, DocumentSplit.Part p) { split = s; part = p; return this; }
        public Builder shuffle(int buffer, long s) { shuffleBuffer = buffer; seed = s; return this; }
        public Builder textField(String f) { textField = f; return this; }

        public Corpus build() {
            if (seqLen <= 0 || batchSize <= 0) {
                throw new IllegalArgumentException("seq and batch must be positive, found seq " + seqLen + " batch " + batchSize);
            }
            if (shuffleBuffer < 0) {
                throw new IllegalArgumentException("shuffle buffer must be >= 0, found " + shuffleBuffer);
            }
            CorpusReader.files(path); // fail early on a missing corpus
            return new Corpus(this);
        }
    }
}
