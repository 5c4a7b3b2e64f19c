package org.isaerft.validate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.isaerft.activations.LatentId;
import org.isaerft.adapter.ChangeSummary;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.llm.LlmClient;
import org.isaerft.llm.LlmConfig;
import org.isaerft.llm.Prompts;
import org.isaerft.util.AtomicFiles;
import org.isaerft.util.Json;

/**
 * The one entry point of validation, called by {@code isaerft validate} and by the pipeline's validate stage:
 * builds the relevance judge ({@link #judge}), validates one adapter against one method's descriptions
 * ({@link #validate(RelevanceJudge, Validator.Options, Cell)}), and — for a single adapter folder — the whole job with
 * its output files ({@link #run}: {@code validation.json}, {@code directions.json}, {@code llm_summary.json}).
 */
public final class ValidationJob {
    /** The relevance judges by name. */
    public static final List<String> JUDGES = List.of("embedding", "llm");

    private ValidationJob() {}

    /** A relevance judge and the LLM client behind it (null for the embedding judge), whose usage is written beside the output. */
    public record Judge(RelevanceJudge judge, LlmClient client) {
        public Judge {
            if (judge == null) {
                throw new IllegalArgumentException("a validation judge must not be null");
            }
        }
    }

    /**
     * The judge named {@code kind}: {@code embedding}, or {@code llm} (asks the LLM of {@code llmConfig}, through the client
     * {@code clientFor} builds from it, with the {@code validate/relevance} prompt of {@code prompts}).
     */
    public static Judge judge(String kind, Path llmConfig, Function<LlmConfig, LlmClient> clientFor, Prompts prompts) {
        String k = kind == null ? "" : kind.toLowerCase(Locale.ROOT);
        return switch (k) {
            case "embedding" -> new Judge(new EmbeddingRelevance(), null);
            case "llm" -> {
                if (llmConfig == null) {
                    throw new IllegalArgumentException("--judge llm needs --llm-config FILE (e.g. configs/llm/*.yaml)");
                }
                if (prompts == null) {
                    throw new IllegalArgumentException("the llm judge needs a prompts directory");
                }
                LlmClient client = clientFor.apply(LlmConfig.load(llmConfig));
                yield new Judge(new LlmRelevanceJudge(client, prompts, 2), client);
            }
            default -> throw new IllegalArgumentException("judge must be one of " + JUDGES + ", found '" + kind + "'");
        };
    }

    /**
     * One validation cell: an adapter's change summary against one method's descriptions of its latents, on one task.
     *
     * @param adapterName the adapter's name in the output
     * @param described   latent index → description (latents without one are left out)
     * @param records     mined records for example snippets of flagged latents (null: none)
     * @param examples    snippets per flagged latent
     * @param trigger     independently found trigger latents (null when the card has no poison or none was searched)
     */
    public record Cell(String adapterName, ChangeSummary change, Map<Integer, Validator.Described> described, String method,
            TaskExpectation expectation, Path records, int examples, TriggerLatents trigger) {
        public Cell {
            if (adapterName == null || adapterName.isBlank() || change == null || described == null || method == null
                    || expectation == null) {
                throw new IllegalArgumentException("a validation cell needs an adapter name, change summary, descriptions, method and "
                        + "task expectation (adapter " + adapterName + ", method " + method + ")");
            }
            if (examples < 0) {
                throw new IllegalArgumentException("examples per latent must be ≥ 0, found " + examples);
            }
            described = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(described));
        }

        /** How many of the summary's latents have a description. */
        public int nDescribed() {
            int n = 0;
            for (ChangeSummary.LatentChange lc : change.latents()) {
                n += described.containsKey(lc.latent()) ? 1 : 0;
            }
            return n;
        }
    }

    /** Validates one cell with {@link Validator}. */
    public static Validation validate(RelevanceJudge judge, Validator.Options options, Cell c) {
        return new Validator(judge, options).validate(c.adapterName(), c.change(), c.described(), c.method(), c.expectation(),
                id -> ValidationInputs.examples(c.records(), id, c.examples()), c.trigger());
    }

    /** The descriptions in {@code file} of {@code change}'s latents; empty when the file is missing or holds none. */
    public static Map<Integer, Validator.Described> describedOrEmpty(Path file, String method, ChangeSummary change) {
        if (!Files.isRegularFile(file) || Json.readFile(file, Map.class).isEmpty()) {
            return Map.of();
        }
        return ValidationInputs.forSummary(ValidationInputs.descriptions(file, method), change);
    }

    /**
     * What {@code isaerft validate} validates.
     *
     * @param adapter        the adapter folder (or its change summary)
     * @param explanations   explanations.jsonl or latent_descriptions.json of the adapter's SAE
     * @param method         the method's name, or null (from the explanations, or the folder name)
     * @param records        mined records for example snippets, or null
     * @param triggerLatents a trigger_latents.json from {@code validate trigger}, or null
     * @param directions     adapter-direction explanations (JSONL), "offline", or null (no direction validation)
     */
    public record Request(Path adapter, Path explanations, String method, TaskCards.Loaded card, Path records, Path triggerLatents,
            String directions, Validator.Options options, Path out) {
        public Request {
            if (adapter == null || explanations == null || card == null || options == null || out == null) {
                throw new IllegalArgumentException("a validation needs an adapter, explanations, a task card, options and an output folder"
                        + " (adapter " + adapter + ", out " + out + ")");
            }
        }
    }

    /** The validation, and the direction validation (null when not asked for or when the adapter has no explainable direction). */
    public record Result(Validation validation, DirectionValidation directions, Path validationFile) {
        public Result {
            if (validation == null || validationFile == null) {
                throw new IllegalArgumentException("a validation result needs its validation and file");
            }
        }
    }

    /**
     * Validates one adapter folder against one method's descriptions on the request's card and writes {@code out/validation.json}
     * (and {@code out/directions.json}, {@code out/llm_summary.json}). The judge is made after the inputs are read and the output
     * folder exists (an LLM judge's cache may live there). Warnings and notes for the user go to {@code notes}.
     */
    public static Result run(Request r, Supplier<Judge> judges, Consumer<String> notes) {
        TaskExpectation expectation = TaskExpectation.of(r.card().card());
        ChangeSummary cs = ValidationInputs.changeSummary(r.adapter());
        if (!cs.task().equals(r.card().card().name())) {
            notes.accept("warning: the adapter was trained on task '" + cs.task() + "', validating against '" + r.card().card().name() + "'");
        }
        ValidationInputs.Descriptions desc = ValidationInputs.descriptions(r.explanations(), r.method());
        Map<Integer, Validator.Described> forSummary = ValidationInputs.forSummary(desc, cs);
        try {
            Files.createDirectories(r.out());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + r.out(), e);
        }
        Judge judge = judges.get();
        TriggerLatents trig = r.triggerLatents() == null ? null : TriggerLatents.read(r.triggerLatents());
        if (trig == null && r.card().card().triggerPhrase() != null) {
            notes.accept("note: task " + r.card().card().name() + " has a planted poison; pass --trigger-latents "
                    + "(from `isaerft validate trigger`) to check the audit against it");
        }
        Validator v = new Validator(judge.judge(), r.options());
        String adapterName = r.adapter().toAbsolutePath().normalize().getFileName().toString();
        Validation val = v.validate(adapterName, cs, forSummary, desc.method(), expectation,
                id -> ValidationInputs.examples(r.records(), id, 3), trig);
        Path file = r.out().resolve("validation.json");
        Json.writeFile(file, val);
        DirectionValidation dv = null;
        if (r.directions() != null) {
            dv = directions(r, cs, desc.method(), forSummary, expectation, v, judge.judge().name(), notes);
        }
        if (judge.client() != null) {
            judge.client().summary().write(r.out().resolve("llm_summary.json"));
        }
        return new Result(val, dv, file);
    }

    private static DirectionValidation directions(Request r, ChangeSummary cs, String method, Map<Integer, Validator.Described> forSummary,
            TaskExpectation expectation, Validator v, String judgeName, Consumer<String> notes) {
        List<DirectionValidation.Direction> dirs;
        String dirMethod;
        if (r.directions().equals("offline")) {
            String source = forSummary.values().iterator().next().id().source();
            Map<LatentId, String> byId = new HashMap<>();
            forSummary.values().forEach(d -> byId.put(d.id(), d.description()));
            dirs = DirectionValidation.offline(r.adapter(), source, byId, 5);
            dirMethod = "adapter-offline(" + method + ")";
        } else {
            dirs = DirectionValidation.read(Path.of(r.directions()));
            dirMethod = Path.of(r.directions()).getFileName().toString();
        }
        List<TaskExpectation> others = DirectionValidation.otherTasks(expectation, r.card().home());
        if (dirs.isEmpty()) {
            notes.accept("note: the adapter has no explainable direction (all units read or write nothing)");
            return null;
        }
        Validator.Options o = r.options();
        DirectionValidation dv = DirectionValidation.validate(r.adapter().toAbsolutePath().normalize().getFileName().toString(),
                cs.component(), dirMethod, dirs, expectation, others, v, judgeName, o.permutations(), o.bootstrap(), o.seed());
        Json.writeFile(r.out().resolve("directions.json"), dv);
        return dv;
    }

    /**
     * The comparison table across methods, controls and SAE types of the validations found under {@code runs}: writes
     * {@code out/comparison.json} and {@code out/comparison.md}.
     */
    public static Comparison compare(List<Path> runs, List<String> controlTasks, int bootstrap, long seed, Path out) {
        Comparison c = Comparison.build(Comparison.find(runs), controlTasks, bootstrap, seed);
        String md = c.markdown();
        try {
            Files.createDirectories(out);
            Json.writeFile(out.resolve("comparison.json"), c);
            AtomicFiles.write(out.resolve("comparison.md"), o -> o.write(md.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the comparison to " + out, e);
        }
        return c;
    }
}
