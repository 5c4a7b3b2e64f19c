package org.isaerft.activations;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.isaerft.util.Json;
import org.isaerft.util.Versions;

/**
 * Writes and reads a mined-latents directory:
 * <pre>
 * DIR/index.json                       {@link MiningIndex}
 * DIR/&lt;LatentId.fileSafe()&gt;.json       one {@link LatentRecord} per latent (dead ones included)
 * DIR/state/&lt;source&gt;.safetensors      accumulator state, for {@code mine --merge}
 * DIR/state/&lt;source&gt;.lens.json        logit lens per latent of the source
 * DIR/state/token_strings.json         display strings of every token id in the kept windows
 * </pre>
 * Every file is written atomically; index.json is written last, so a directory with an index is complete.
 */
public final class MiningOutput {
    private MiningOutput() {}

    /** What a mining run was (for index.json). */
    public record Provenance(String model, String sae, String corpus, List<String> shards, double tokensPerSecond) {}

    /** One source's mined state with its logit lenses (null or null entries where there is none). */
    public record SourceState(LatentAccumulator accumulator, LogitLens[] lenses) {}

    private static final TypeReference<List<LogitLens>> LENS_LIST = new TypeReference<>() {};
    private static final TypeReference<TreeMap<Integer, String>> TOKEN_MAP = new TypeReference<>() {};

    /**
     * Writes records, state and index for {@code states}. {@code tokenStrings} must cover every id in the
     * kept windows (use {@link #tokenStrings} with a tokenizer to build it).
     */
    public static MiningIndex write(Path dir, List<SourceState> states, Map<Integer, String> tokenStrings, Provenance prov) {
        if (states.isEmpty()) {
            throw new IllegalArgumentException("nothing to write to " + dir + ": no mined sources");
        }
        MiningConfig config = states.get(0).accumulator().config();
        long tokens = states.get(0).accumulator().tokens();
        long sequences = states.get(0).accumulator().sequences();
        List<MiningIndex.Source> sources = new ArrayList<>();
        List<MiningIndex.Entry> entries = new ArrayList<>();
        List<LatentId> dead = new ArrayList<>();
        long nExplain = 0;
        long nScore = 0;
        for (SourceState st : states) {
            LatentAccumulator acc = st.accumulator();
            String safe = new LatentId(acc.source(), 0).fileSafe().replaceFirst("__0$", "");
            String stateFile = "state/" + safe + ".safetensors";
            String lensFile = "state/" + safe + ".lens.json";
            acc.writeState(dir.resolve(stateFile));
            LogitLens[] lenses = st.lenses() == null ? new LogitLens[acc.size()] : st.lenses();
            if (lenses.length != acc.size()) {
                throw new IllegalArgumentException(acc.source() + ": " + lenses.length + " logit lenses for " + acc.size() + " latents");
            }
            Json.writeFile(dir.resolve(lensFile), Arrays.asList(lenses));
            sources.add(new MiningIndex.Source(acc.source(), acc.size(), stateFile, lensFile));
            for (int j = 0; j < acc.size(); j++) {
                LatentRecord rec = acc.record(j, id -> tokenString(tokenStrings, id), lenses[j]);
                String file = rec.id().fileSafe() + ".json";
                Json.writeFile(dir.resolve(file), rec);
                int ne = rec.examples(Example.SPLIT_EXPLAIN).size();
                int ns = rec.examples(Example.SPLIT_SCORE).size();
                nExplain += ne;
                nScore += ns;
                entries.add(new MiningIndex.Entry(rec.id(), file, rec.stats().frequency(), rec.stats().maxActivation(),
                        rec.stats().meanActivation(), rec.dead(), ne, ns));
                if (rec.dead()) {
                    dead.add(rec.id());
                }
            }
        }
        Json.writeFile(dir.resolve("state/token_strings.json"), new TreeMap<>(tokenStrings));
        MiningIndex index = new MiningIndex(MiningIndex.SCHEMA_VERSION, MiningIndex.TYPE, prov.model(), prov.sae(), prov.corpus(), tokens,
                sequences, config, config.splitRule(), new MiningIndex.SplitCounts(nExplain, nScore), sources, entries, dead,
                prov.shards(), prov.tokensPerSecond(), java.time.Instant.now().toString(), Versions.all());
        Json.writeFile(dir.resolve(MiningIndex.FILE), index);
        return index;
    }

    private static String tokenString(Map<Integer, String> strings, int id) {
        String s = strings.get(id);
        if (s == null) {
            throw new IllegalStateException("no display string for token id " + id);
        }
        return s;
    }

    /** Display strings of every token id kept in the accumulators' windows. */
    public static Map<Integer, String> tokenStrings(List<LatentAccumulator> accs, java.util.function.IntFunction<String> tokenString) {
        Map<Integer, String> out = new TreeMap<>();
        for (LatentAccumulator acc : accs) {
            acc.forEachTokenId(id -> out.computeIfAbsent(id, tokenString::apply));
        }
        return out;
    }

    public static MiningIndex readIndex(Path dir) {
        Path p = dir.resolve(MiningIndex.FILE);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(dir + " is not a mined-latents directory: " + p + " is missing");
        }
        return Json.readFile(p, MiningIndex.class);
    }

    /**
     * Merges mined shard directories (disjoint parts of one corpus, same model, SAE, sources and config) into
     * {@code out}: the result equals mining the union in one run.
     */
    public static MiningIndex merge(List<Path> dirs, Path out) {
        if (dirs.size() < 2) {
            throw new IllegalArgumentException("mine --merge needs at least two directories, found " + dirs.size());
        }
        MiningIndex first = readIndex(dirs.get(0));
        List<SourceState> merged = new ArrayList<>();
        for (MiningIndex.Source s : first.sources()) {
            merged.add(new SourceState(LatentAccumulator.readState(dirs.get(0).resolve(s.stateFile())), readLenses(dirs.get(0), s)));
        }
        Map<Integer, String> strings = readTokenStrings(dirs.get(0));
        for (Path d : dirs.subList(1, dirs.size())) {
            MiningIndex idx = readIndex(d);
            if (!Objects.equals(idx.model(), first.model()) || !Objects.equals(idx.sae(), first.sae())
                    || !idx.config().equals(first.config())) {
                throw new IllegalArgumentException("cannot merge " + d + " into " + dirs.get(0) + ": model, SAE and mining config must be "
                        + "equal (found model " + idx.model() + " vs " + first.model() + ", sae " + idx.sae() + " vs " + first.sae()
                        + ", config " + idx.config() + " vs " + first.config() + ")");
            }
            List<String> names = idx.sources().stream().map(MiningIndex.Source::source).toList();
            List<String> expected = first.sources().stream().map(MiningIndex.Source::source).toList();
            if (!names.equals(expected)) {
                throw new IllegalArgumentException("cannot merge " + d + ": its sources " + names + " differ from " + expected);
            }
            for (int i = 0; i < idx.sources().size(); i++) {
                merged.get(i).accumulator().merge(LatentAccumulator.readState(d.resolve(idx.sources().get(i).stateFile())));
            }
            strings.putAll(readTokenStrings(d));
        }
        List<String> shards = dirs.stream().map(p -> p.toAbsolutePath().normalize().toString()).toList();
        return write(out, merged, strings, new Provenance(first.model(), first.sae(), first.corpus(), shards, 0.0));
    }

    private static LogitLens[] readLenses(Path dir, MiningIndex.Source s) {
        try {
            List<LogitLens> l = Json.MAPPER.readValue(dir.resolve(s.lensFile()).toFile(), LENS_LIST);
            return l.toArray(new LogitLens[0]);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read logit lenses " + dir.resolve(s.lensFile()) + ": " + e.getMessage(), e);
        }
    }

    private static Map<Integer, String> readTokenStrings(Path dir) {
        Path p = dir.resolve("state/token_strings.json");
        try {
            return Json.MAPPER.readValue(p.toFile(), TOKEN_MAP);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read token strings " + p + ": " + e.getMessage(), e);
        }
    }

    /** Reads every latent record listed in a directory's index. */
    public static List<LatentRecord> readRecords(Path dir) {
        MiningIndex idx = readIndex(dir);
        List<LatentRecord> out = new ArrayList<>();
        for (MiningIndex.Entry e : idx.latents()) {
            out.add(Json.readFile(dir.resolve(e.file()), LatentRecord.class));
        }
        return out;
    }
}
