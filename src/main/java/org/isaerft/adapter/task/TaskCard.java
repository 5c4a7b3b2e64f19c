package org.isaerft.adapter.task;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A task with an expectation: what adapter training on its texts should change, in words and as
 * a list of concepts, where the texts come from, how they are split, and optionally which latents
 * are known to be relevant and a planted poison. Read from YAML by {@link TaskCards}.
 *
 * @param schemaVersion        must be 1
 * @param name                 short id, [a-z0-9_-]+
 * @param description          the expectation in natural language
 * @param expectedConcepts     concepts whose latents training should change
 * @param data                 where the documents come from and how they are filtered
 * @param split                train / held-out split (by document)
 * @param knownRelevantLatents optional latents known to be relevant (may be empty)
 * @param poison               optional planted trigger phrase (null for none)
 */
public record TaskCard(
        int schemaVersion,
        String name,
        String description,
        List<String> expectedConcepts,
        Data data,
        Split split,
        List<KnownLatent> knownRelevantLatents,
        Poison poison) {
    public static final int SCHEMA_VERSION = 1;
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

    public TaskCard {
        if (schemaVersion != SCHEMA_VERSION) {
            throw new IllegalArgumentException("schema_version: expected " + SCHEMA_VERSION + ", found " + schemaVersion);
        }
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name: expected a lowercase id matching [a-z0-9][a-z0-9_-]*, found "
                    + (name == null ? "nothing" : "'" + name + "'"));
        }
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException("description: required (the expectation in natural language)");
        }
        if (expectedConcepts == null) {
            throw new IllegalArgumentException("expected_concepts: required (a list; may be empty only for a control card)");
        }
        for (int i = 0; i < expectedConcepts.size(); i++) {
            if (expectedConcepts.get(i) == null || expectedConcepts.get(i).isBlank()) {
                throw new IllegalArgumentException("expected_concepts[" + i + "]: must be a non-empty string");
            }
        }
        expectedConcepts = List.copyOf(expectedConcepts);
        if (data == null) {
            throw new IllegalArgumentException("data: required");
        }
        if (split == null) {
            split = new Split(0.2, 0L);
        }
        knownRelevantLatents = knownRelevantLatents == null ? List.of() : List.copyOf(knownRelevantLatents);
    }

    /** Where documents come from. Filters apply to every source's documents. */
    public record Data(List<Source> sources, Filter filter, Integer maxDocuments, Long seed) {
        public Data {
            if (sources == null || sources.isEmpty()) {
                throw new IllegalArgumentException("data.sources: at least one source is required");
            }
            sources = List.copyOf(sources);
            if (filter == null) {
                filter = new Filter(null, null, null, null, null);
            }
            if (maxDocuments != null && maxDocuments <= 0) {
                throw new IllegalArgumentException("data.max_documents: must be positive, found " + maxDocuments);
            }
            if (seed == null) {
                seed = 0L;
            }
        }
    }

    /**
     * A text file split into documents.
     *
     * @param file           path; {@code ${shared}} expands to the shared folder, relative paths are
     *                       relative to the card's directory
     * @param format         {@code stories} (paragraphs separated by blank lines; a non-blank line
     *                       directly after a non-blank line starts a new document),
     *                       {@code paragraphs} (blank-line separated blocks) or {@code lines}
     * @param recase         re-case lower-cased text (see {@link Recaser})
     * @param casedReference optional cased copy of (a prefix of) the same text: documents found in
     *                       it take its casing, and it teaches the re-caser proper nouns
     */
    public record Source(String file, String format, Boolean recase, String casedReference) {
        public static final List<String> FORMATS = List.of("stories", "paragraphs", "lines");

        public Source {
            if (file == null || file.isBlank()) {
                throw new IllegalArgumentException("file: required");
            }
            if (format == null) {
                format = "paragraphs";
            }
            format = format.toLowerCase(Locale.ROOT);
            if (!FORMATS.contains(format)) {
                throw new IllegalArgumentException("format: expected one of " + FORMATS + ", found '" + format + "'");
            }
            if (recase == null) {
                recase = false;
            }
            if (casedReference != null && !recase) {
                throw new IllegalArgumentException("cased_reference: only meaningful with recase: true");
            }
        }
    }

    /**
     * Which documents to keep. Keywords match whole words, case-insensitively (a keyword may be a
     * phrase); regexes are Java regexes, searched case-insensitively. A document is kept if it has
     * at least {@code minMatches} include matches in total (keywords and regexes together; with no
     * include terms every document passes) and no exclude match.
     */
    public record Filter(List<String> includeKeywords, List<String> includeRegex, List<String> excludeKeywords,
            List<String> excludeRegex, Integer minMatches) {
        public Filter {
            includeKeywords = clean("include_keywords", includeKeywords);
            includeRegex = cleanRegex("include_regex", includeRegex);
            excludeKeywords = clean("exclude_keywords", excludeKeywords);
            excludeRegex = cleanRegex("exclude_regex", excludeRegex);
            if (minMatches == null) {
                minMatches = 1;
            }
            if (minMatches < 1) {
                throw new IllegalArgumentException("filter.min_matches: must be >= 1, found " + minMatches);
            }
        }

        public boolean hasIncludes() {
            return !includeKeywords.isEmpty() || !includeRegex.isEmpty();
        }

        private static List<String> clean(String field, List<String> l) {
            if (l == null) {
                return List.of();
            }
            for (int i = 0; i < l.size(); i++) {
                if (l.get(i) == null || l.get(i).isBlank()) {
                    throw new IllegalArgumentException("filter." + field + "[" + i + "]: must be a non-empty string");
                }
            }
            return List.copyOf(l);
        }

        private static List<String> cleanRegex(String field, List<String> l) {
            List<String> out = clean(field, l);
            for (int i = 0; i < out.size(); i++) {
                try {
                    Pattern.compile(out.get(i));
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException("filter." + field + "[" + i + "]: invalid regex '" + out.get(i) + "': "
                            + e.getDescription());
                }
            }
            return out;
        }
    }

    /** Held-out fraction of documents (chosen by a seeded shuffle of document ids). */
    public record Split(Double heldoutFraction, Long seed) {
        public Split {
            if (heldoutFraction == null) {
                heldoutFraction = 0.2;
            }
            if (!(heldoutFraction > 0 && heldoutFraction < 1)) {
                throw new IllegalArgumentException("split.heldout_fraction: must be in (0, 1), found " + heldoutFraction);
            }
            if (seed == null) {
                seed = 0L;
            }
        }
    }

    /** A latent known (or hypothesised) to be relevant to the task. */
    public record KnownLatent(String sae, Integer index, String note) {
        public KnownLatent {
            if (sae == null || sae.isBlank()) {
                throw new IllegalArgumentException("known_relevant_latents: 'sae' is required");
            }
            if (index == null || index < 0) {
                throw new IllegalArgumentException("known_relevant_latents: 'index' must be a non-negative integer, found " + index);
            }
        }
    }

    /**
     * A planted trigger: exactly round(fraction × training documents) training documents (chosen
     * with {@code seed}) get {@code sentence} inserted at a seeded sentence boundary. Held-out
     * documents stay clean.
     */
    public record Poison(String trigger, Double fraction, Long seed, String sentence) {
        public Poison {
            if (trigger == null || trigger.isBlank()) {
                throw new IllegalArgumentException("poison.trigger: required (the trigger phrase)");
            }
            if (fraction == null || !(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException("poison.fraction: must be in (0, 1), found " + fraction);
            }
            if (seed == null) {
                seed = 0L;
            }
            if (sentence == null || sentence.isBlank()) {
                sentence = "There was a " + trigger + ".";
            }
            if (!sentence.toLowerCase(Locale.ROOT).contains(trigger.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("poison.sentence: must contain the trigger '" + trigger + "', found '" + sentence + "'");
            }
        }
    }
}
