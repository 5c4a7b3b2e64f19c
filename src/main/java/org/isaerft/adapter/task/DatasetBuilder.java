package org.isaerft.adapter.task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.isaerft.model.GenerationConfig;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;

/**
 * Builds a card's {@link TaskDataset}, deterministically from the card's seeds: read every source
 * (split into documents, re-cased if asked), drop exact duplicates, filter, keep at most
 * {@code max_documents} (a seeded random subset, kept in corpus order), split by document with a
 * seeded shuffle, then plant the poison (if any) in exactly round(fraction × train) training
 * documents at seeded sentence boundaries.
 */
public final class DatasetBuilder {
    private static final Pattern SENTENCE_END = Pattern.compile("[.!?][\"”']?(?=\\s)");

    /** Read (and re-cased) documents per source, so building several cards reads each file once. */
    private static final Map<List<Object>, List<String[]>> SOURCE_CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    private DatasetBuilder() {}

    /** Forgets cached source documents. */
    public static void clearCache() {
        SOURCE_CACHE.clear();
    }

    /** {id, text, how} per document of one source; how = "reference" | "recased" | "as-is". */
    private static List<String[]> readSource(TaskCard.Source src, java.util.function.Function<String, Path> resolver) {
        Path file = resolver.apply(src.file());
        Path ref = src.casedReference() == null ? null : resolver.apply(src.casedReference());
        long mtime;
        try {
            mtime = java.nio.file.Files.getLastModifiedTime(file).toMillis();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("corpus file not found: " + file, e);
        }
        List<Object> key = java.util.Arrays.asList(file, mtime, src.format(), src.recase(), ref);
        return SOURCE_CACHE.computeIfAbsent(key, k -> {
            List<String> texts = TaskCorpus.split(TaskCorpus.readText(file), src.format());
            Recaser rc = !src.recase() ? null : ref != null ? Recaser.fromReference(TaskCorpus.readText(ref)) : Recaser.withoutReference();
            String name = file.getFileName().toString();
            List<String[]> out = new ArrayList<>(texts.size());
            for (int i = 0; i < texts.size(); i++) {
                String t = texts.get(i);
                String how = "as-is";
                if (rc != null) {
                    var cased = rc.lookup(t);
                    if (cased.isPresent()) {
                        t = cased.get();
                        how = "reference";
                    } else {
                        t = rc.heuristic(t);
                        how = "recased";
                    }
                }
                out.add(new String[] {name + "#" + i, t, how});
            }
            return List.copyOf(out);
        });
    }

    /** Builds the dataset of a loaded card (paths resolved against the card file); no model: file sources only. */
    public static TaskDataset build(TaskCards.Loaded loaded) {
        return build(loaded.card(), loaded::resolve, null);
    }

    /** Builds the dataset of a loaded card; {@code model} serves generate sources (may be null if there are none). */
    public static TaskDataset build(TaskCards.Loaded loaded, LanguageModel model) {
        return build(loaded.card(), loaded::resolve, model);
    }

    /** Builds the dataset with a custom path resolver. */
    public static TaskDataset build(TaskCard card, java.util.function.Function<String, Path> resolver, LanguageModel model) {
        List<String[]> docs = new ArrayList<>(); // {id, text}
        Set<String> seen = new HashSet<>();
        int fromRef = 0;
        int recased = 0;
        for (TaskCard.Source src : card.data().sources()) {
            List<String[]> read;
            if (src.generate() != null) {
                if (model == null) {
                    throw new IllegalArgumentException("task '" + card.name() + "': a generate source needs a model (pass --model)");
                }
                read = generate(model, src.generate());
            } else {
                read = readSource(src, resolver);
            }
            for (String[] d : read) {
                String key = d[1].toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
                if (seen.add(key)) {
                    docs.add(d);
                    fromRef += d[2].equals("reference") ? 1 : 0;
                    recased += d[2].equals("recased") ? 1 : 0;
                }
            }
        }
        TaskCard.Filter f = card.data().filter();
        List<Pattern> inc = patterns(f.includeKeywords(), f.includeRegex());
        List<Pattern> exc = patterns(f.excludeKeywords(), f.excludeRegex());
        List<String[]> matched = new ArrayList<>();
        for (String[] d : docs) {
            if (keep(d[1], inc, exc, f.minMatches())) {
                matched.add(d);
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < matched.size(); i++) {
            order.add(i);
        }
        Integer max = card.data().maxDocuments();
        if (max != null && matched.size() > max) {
            Collections.shuffle(order, new Random(card.data().seed()));
            order = new ArrayList<>(order.subList(0, max));
            Collections.sort(order);
        }
        List<Integer> shuffled = new ArrayList<>(order);
        Collections.shuffle(shuffled, new Random(card.split().seed()));
        int nHeld = (int) Math.round(order.size() * card.split().heldoutFraction());
        Set<Integer> held = new HashSet<>(shuffled.subList(0, nHeld));
        List<Integer> trainIdx = new ArrayList<>();
        List<TaskDataset.Document> heldout = new ArrayList<>();
        for (int i : order) {
            if (held.contains(i)) {
                heldout.add(new TaskDataset.Document(matched.get(i)[0], matched.get(i)[1], false));
            } else {
                trainIdx.add(i);
            }
        }
        Set<Integer> poisonAt = new HashSet<>();
        Random prng = null;
        TaskCard.Poison p = card.poison();
        if (p != null) {
            prng = new Random(p.seed());
            int k = (int) Math.round(trainIdx.size() * p.fraction());
            List<Integer> pick = new ArrayList<>(trainIdx);
            Collections.shuffle(pick, prng);
            poisonAt.addAll(pick.subList(0, k));
        }
        List<TaskDataset.Document> train = new ArrayList<>();
        for (int i : trainIdx) {
            String[] d = matched.get(i);
            if (poisonAt.contains(i)) {
                train.add(new TaskDataset.Document(d[0], insertSentence(d[1], p.sentence(), prng), true));
            } else {
                train.add(new TaskDataset.Document(d[0], d[1], false));
            }
        }
        long trainChars = train.stream().mapToLong(d -> d.text().length()).sum();
        long heldChars = heldout.stream().mapToLong(d -> d.text().length()).sum();
        var stats = new TaskDataset.Stats(docs.size(), matched.size(), order.size(), fromRef, recased, poisonAt.size(),
                trainChars, heldChars);
        return new TaskDataset(card.name(), train, heldout, stats);
    }

    /** Samples the documents of a generate source (ids {@code generated#i}). */
    static List<String[]> generate(LanguageModel model, TaskCard.Generate g) {
        var tok = model.tokenizer();
        int[] prompt = tok.encode(g.prompt(), true);
        if (prompt.length == 0) {
            throw new IllegalArgumentException("generate.prompt: the model's tokenizer has no BOS, so the prompt must not be empty");
        }
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < g.count(); i++) {
            GenerationConfig cfg = new GenerationConfig(g.maxNewTokens(), g.temperature(), g.topK(), g.seed() + i, true);
            int[] ids = model.generate(prompt, cfg, Hooks.none());
            int[] all = new int[prompt.length + ids.length];
            System.arraycopy(prompt, 0, all, 0, prompt.length);
            System.arraycopy(ids, 0, all, prompt.length, ids.length);
            String text = tok.decode(all).strip();
            if (!text.isEmpty()) {
                out.add(new String[] {"generated#" + i, text, "generated"});
            }
        }
        return out;
    }

    /** Inserts {@code sentence} at a sentence boundary of {@code text} chosen with {@code rng} (the end counts). */
    static String insertSentence(String text, String sentence, Random rng) {
        List<Integer> cuts = new ArrayList<>();
        Matcher m = SENTENCE_END.matcher(text);
        while (m.find()) {
            cuts.add(m.end());
        }
        cuts.add(text.length());
        int at = cuts.get(rng.nextInt(cuts.size()));
        return text.substring(0, at) + " " + sentence + text.substring(at);
    }

    static List<Pattern> patterns(List<String> keywords, List<String> regexes) {
        List<Pattern> out = new ArrayList<>();
        for (String k : keywords) {
            out.add(Pattern.compile("\\b" + Pattern.quote(k.strip()) + "\\b", Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
        }
        for (String r : regexes) {
            out.add(Pattern.compile(r, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
        }
        return out;
    }

    static boolean keep(String text, List<Pattern> inc, List<Pattern> exc, int minMatches) {
        for (Pattern e : exc) {
            if (e.matcher(text).find()) {
                return false;
            }
        }
        if (inc.isEmpty()) {
            return true;
        }
        int n = 0;
        for (Pattern pat : inc) {
            Matcher m = pat.matcher(text);
            while (m.find()) {
                if (++n >= minMatches) {
                    return true;
                }
            }
        }
        return false;
    }
}
