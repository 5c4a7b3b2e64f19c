package org.isaerft.run.stages;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.isaerft.adapter.ChangeSummary;
import org.isaerft.adapter.task.Planted;
import org.isaerft.adapter.task.TaskCard;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.config.RunConfig;
import org.isaerft.recovery.Steering;
import org.isaerft.run.RunCodec;
import org.isaerft.run.SaeInfo;
import org.isaerft.run.Stage;
import org.isaerft.run.StageContext;
import org.isaerft.run.ValidateDocuments;
import org.isaerft.run.layout.RunLayout;
import org.isaerft.run.layout.StageId;
import org.isaerft.sae.Sae;
import org.isaerft.score.ScoreMath;
import org.isaerft.validate.AuditEntry;
import org.isaerft.validate.Comparison;
import org.isaerft.validate.EmbeddingRelevance;
import org.isaerft.validate.Recovery;
import org.isaerft.validate.TaskExpectation;
import org.isaerft.validate.TriggerAudit;
import org.isaerft.validate.TriggerLatents;
import org.isaerft.validate.Validation;
import org.isaerft.validate.ValidationCell;
import org.isaerft.validate.ValidationInputs;
import org.isaerft.validate.ValidationJob;
import org.isaerft.validate.Validator;

/**
 * Validates every adapter against every explanation method with {@link Validator} (embedding relevance, AUROC +
 * bootstrap CI + permutation p, controls, audit of the most-changed latents), compares methods and SAE types with
 * {@link Comparison}, and on poisoned cards searches the trigger latents and checks they are flagged ({@link TriggerAudit});
 * on planted poison cards also checks the planted latent's answer on each SAE against the audit ({@link TriggerAudit.PlantedRow}).
 * k = min(top_k, n/2) for n described latents; a cell with k &lt; 1 is recorded as skipped.
 */
public final class ValidateStage extends ConfiguredStage<ValidateStage.Output> {
    /** @param validations cells validated @param auditFlags flagged latents @param triggerChecks trigger-audit rows */
    public record Output(@JsonProperty("schema_version") int schemaVersion, int validations,
            int auditFlags, int triggerChecks) {
        public Output {
            Stages.checkOutput(schemaVersion, validations, auditFlags, triggerChecks);
        }
    }

    public ValidateStage(RunConfig config) {
        super(StageId.VALIDATE, config);
    }

    @Override
    void addSlice(Map<String, Object> slice) {
        slice.put("validate", config.validate());
    }

    @Override
    public Output run(StageContext ctx) {
        if (config.validate() == null || config.adapters() == null) {
            return new Output(Stages.OUTPUT_SCHEMA_VERSION, 0, 0, 0);
        }
        RunLayout layout = ctx.layout();
        RunConfig.ValidateSection vc = config.validate();
        EmbeddingRelevance judge = new EmbeddingRelevance();
        List<SaeInfo> infos = ctx.saes();
        Map<String, Long> typeCounts = new HashMap<>();
        infos.forEach(i -> typeCounts.merge(i.type(), 1L, Long::sum));
        List<ValidationCell> cells = new ArrayList<>();
        List<Validation> validations = new ArrayList<>();
        Map<Validation, String> typeOf = new IdentityHashMap<>();
        List<AuditEntry> audit = new ArrayList<>();
        List<String> controlTasks = new ArrayList<>();
        List<TriggerAudit.Search> searches = triggerSearches(ctx, infos);
        Map<String, String> saeTypes = new HashMap<>();
        Map<String, TriggerLatents> triggers = new LinkedHashMap<>(); // SAE name + "/" + task → its trigger latents
        searches.stream().filter(t -> t.result() != null).forEach(t -> triggers.put(t.sae() + "/" + t.task(), t.result()));
        for (SaeInfo info : infos) {
            // an SAE type shared by several SAEs of the run is qualified by the SAE's name, so pairs stay unique
            String type = typeCounts.get(info.type()) > 1 ? info.type() + ":" + info.name() : info.type();
            saeTypes.put(info.name(), type);
            Path records = layout.records(info.name());
            for (String task : config.adapters().tasks()) {
                TaskCards.Loaded card = TaskCards.load(task, ctx.home());
                TaskExpectation expectation = TaskExpectation.of(card.card());
                if (card.card().expectedConcepts().isEmpty() && !controlTasks.contains(task)) {
                    controlTasks.add(task);
                }
                for (String comp : config.adapters().components()) {
                    ChangeSummary change = ValidationInputs.changeSummary(layout.changeSummary(info.name(), task, comp));
                    for (String method : config.explain().methods()) {
                        ValidationJob.Cell vcell = new ValidationJob.Cell(info.name() + "/" + task + "/" + comp, change,
                                ValidationJob.describedOrEmpty(layout.latentDescriptions(info.name(), method), method, change), method,
                                expectation, records, 1, triggers.get(info.name() + "/" + task));
                        int n = vcell.nDescribed();
                        int k = Math.min(vc.topK(), n / 2);
                        String cell = info.name() + "/" + task + "/" + comp + "/" + method;
                        if (k < 1) {
                            cells.add(new ValidationCell(info.name(), type, task, comp, method, n, null,
                                    "only " + n + " described latents; need at least 2"));
                            ctx.log().printf("  [validate %s] skipped: %d described latents%n", cell, n);
                            continue;
                        }
                        Validator.Options o = Validator.Options.builder().k(k).auditK(Math.min(vc.auditTop(), n))
                                .permutations(vc.permutations()).bootstrap(Math.max(1, vc.bootstrap())).randomDraws(vc.permutations())
                                .seed(ScoreMath.seedFor(config.seed(), cell)).build();
                        Validation v = ValidationJob.validate(judge, o, vcell);
                        v = v.withoutTimestamp(); // the stage's output is a function of its inputs and seed
                        cells.add(new ValidationCell(info.name(), type, task, comp, method, n, v, null));
                        validations.add(v);
                        typeOf.put(v, type);
                        audit.addAll(AuditEntry.of(info.name(), card.card(), comp, method, v));
                        ctx.log().printf("  [validate %s] auroc %s p %s%s%n", cell, v.stats().auroc(), v.stats().pAuroc(),
                                v.audit().trigger() == null ? "" : String.format(Locale.ROOT, ", trigger latents %s flagged %s",
                                        v.audit().trigger().triggerLatents(), v.audit().trigger().flagged()));
                    }
                }
            }
        }
        RunCodec.write(layout.validation(), new ValidateDocuments.Validations(cells, ValidateDocuments.SCHEMA_VERSION));
        RunCodec.write(layout.comparison(), Comparison.of(validations, typeOf::get, List.of("validation.json"), controlTasks,
                Math.max(1, vc.bootstrap()), config.seed()));
        RunCodec.write(layout.audit(), new ValidateDocuments.Audit(audit, ValidateDocuments.SCHEMA_VERSION));
        List<TriggerAudit.Row> trows = triggerRows(ctx, searches, cells);
        List<TriggerAudit.PlantedRow> prows = plantedRows(ctx, infos, saeTypes, cells);
        RunCodec.write(layout.trigger(), new TriggerAudit.Document(searches, trows, prows));
        return new Output(Stages.OUTPUT_SCHEMA_VERSION, validations.size(), audit.size(), trows.size() + prows.size());
    }

    /**
     * For every SAE and every card of the run with a planted trigger phrase ({@link TaskCard#triggerPhrase()}: a {@code poison:}
     * block, or a planted poison card's {@code planted.trigger}): the trigger latents, from the model and SAE
     * activations on the card's training documents (all of the card's documents, not the run's {@code max_documents} subset:
     * the search needs windows that contain the phrase), with {@link TriggerLatents.Options#pipeline}. Each result is kept in
     * {@code validate/trigger/SAE/CARD.json} and reused by a resumed stage. A search's {@code task} is the task as the run
     * names it (a card name or a card path).
     */
    private List<TriggerAudit.Search> triggerSearches(StageContext ctx, List<SaeInfo> infos) {
        List<TriggerAudit.Search> out = new ArrayList<>();
        Map<String, TaskCards.Loaded> poisoned = new LinkedHashMap<>();
        for (String task : config.adapters().tasks()) {
            TaskCards.Loaded c = TaskCards.load(task, ctx.home());
            if (c.card().triggerPhrase() != null) {
                poisoned.put(task, c);
            }
        }
        Path dir = ctx.layout().stage(id());
        for (SaeInfo info : infos) {
            for (var e : poisoned.entrySet()) {
                String task = e.getKey();
                TaskCards.Loaded c = e.getValue();
                String name = c.card().name();
                String trigger = c.card().triggerPhrase();
                Path f = ctx.layout().triggerSearch(info.name(), name);
                String rel = dir.relativize(f).toString();
                if (Files.isRegularFile(f)) {
                    out.add(new TriggerAudit.Search(info.name(), task, trigger, rel, TriggerLatents.read(f), null));
                    continue;
                }
                TriggerLatents t;
                try (Sae sae = ctx.openSae(info)) {
                    t = TriggerLatents.findForCard(ctx.model(), sae, c, TriggerLatents.Options.pipeline(config.seed()));
                } catch (IllegalArgumentException ex) {
                    out.add(new TriggerAudit.Search(info.name(), task, trigger, null, null, ex.getMessage()));
                    ctx.log().printf("  [validate %s] trigger '%s' of %s: no search (%s)%n", info.name(), trigger, name, ex.getMessage());
                    continue;
                }
                RunCodec.write(f, t);
                out.add(new TriggerAudit.Search(info.name(), task, trigger, rel, t, null));
                ctx.log().printf("  [validate %s] trigger '%s' of %s: %d windows with, %d without; trigger latents %s%n", info.name(), trigger,
                        name, t.windowsWith(), t.windowsWithout(), t.latentIndices());
            }
        }
        return out;
    }

    /** The run's task names with their loaded cards, in config order. */
    private Map<String, TaskCard> runCards(StageContext ctx) {
        Map<String, TaskCard> cards = new LinkedHashMap<>();
        config.adapters().tasks().forEach(t -> cards.put(t, TaskCards.load(t, ctx.home()).card()));
        return cards;
    }

    /** The run's task name of the poisoned card's clean counterpart ({@link TriggerAudit#cleanCounterpart}), or null. */
    private static String cleanTask(String task, Map<String, TaskCard> cards) {
        TaskCard clean = TriggerAudit.cleanCounterpart(cards.get(task), List.copyOf(cards.values()));
        if (clean == null) {
            return null;
        }
        return cards.entrySet().stream().filter(e -> e.getValue() == clean).map(Map.Entry::getKey).findFirst().orElseThrow();
    }

    private static Map<String, ValidationCell> byKey(List<ValidationCell> cells) {
        Map<String, ValidationCell> byKey = new LinkedHashMap<>();
        for (ValidationCell c : cells) {
            byKey.put(c.sae() + "/" + c.task() + "/" + c.component() + "/" + c.method(), c);
        }
        return byKey;
    }

    /** One {@link TriggerAudit.Row} per trigger search × component × method, with the clean card's validation beside it. */
    private List<TriggerAudit.Row> triggerRows(StageContext ctx, List<TriggerAudit.Search> searches, List<ValidationCell> cells) {
        RunLayout layout = ctx.layout();
        List<TriggerAudit.Row> rows = new ArrayList<>();
        if (searches.isEmpty()) {
            return rows;
        }
        Map<String, TaskCard> cards = runCards(ctx);
        Map<String, ValidationCell> byKey = byKey(cells);
        for (TriggerAudit.Search s : searches) {
            if (s.result() == null) {
                continue;
            }
            String clean = cleanTask(s.task(), cards);
            for (String comp : config.adapters().components()) {
                for (String method : config.explain().methods()) {
                    ValidationCell p = byKey.get(s.sae() + "/" + s.task() + "/" + comp + "/" + method);
                    ValidationCell c = clean == null ? null : byKey.get(s.sae() + "/" + clean + "/" + comp + "/" + method);
                    ChangeSummary pcs = ValidationInputs.changeSummary(layout.changeSummary(s.sae(), s.task(), comp));
                    ChangeSummary ccs = clean == null ? null : ValidationInputs.changeSummary(layout.changeSummary(s.sae(), clean, comp));
                    TriggerAudit.Row row = TriggerAudit.row(s.sae(), p.saeType(), comp, method, s.result(), p.validation(), p.skipped(), pcs,
                            clean, c == null ? null : c.validation(), ccs);
                    rows.add(withTask(row, s.task()));
                }
            }
        }
        return rows;
    }

    /** The row under the run's task name (the search result names the card). */
    private static TriggerAudit.Row withTask(TriggerAudit.Row r, String task) {
        return task.equals(r.task()) ? r : new TriggerAudit.Row(r.sae(), r.saeType(), task, r.cleanTask(), r.component(), r.method(),
                r.trigger(), r.triggerLatents(), r.nFlagged(), r.auditK(), r.recall(), r.cleanFlaggedCount(), r.cleanAuditK(), r.cleanRecall(),
                r.latents(), r.strongest(), r.note(), r.skipped());
    }

    /**
     * The ground truth of every planted poison card of the run ({@code planted.kind: poison}) against the audit: for each SAE of
     * the run at the card's hook (same hook name and width), each planted latent's right answer on that SAE
     * ({@link Recovery#bestMatch} of its {@code residual_direction} among all of the SAE's residual directions,
     * {@link Steering#allResidualDirections}), and where that answer stands in the poison card's audit and its clean twin's.
     */
    private List<TriggerAudit.PlantedRow> plantedRows(StageContext ctx, List<SaeInfo> infos, Map<String, String> saeTypes,
            List<ValidationCell> cells) {
        Map<String, TaskCard> cards = runCards(ctx);
        Map<String, TaskCard> planted = new LinkedHashMap<>();
        cards.forEach((t, c) -> {
            if (c.planted() != null && "poison".equals(c.planted().kind()) && c.triggerPhrase() != null) {
                planted.put(t, c);
            }
        });
        List<TriggerAudit.PlantedRow> rows = new ArrayList<>();
        if (planted.isEmpty()) {
            return rows;
        }
        RunLayout layout = ctx.layout();
        Map<String, ValidationCell> byKey = byKey(cells);
        for (SaeInfo info : infos) {
            float[][] dirs = null;
            String hook;
            try (Sae sae = ctx.openSae(info)) {
                hook = sae.hookPoint().name();
                boolean any = planted.values().stream().anyMatch(c -> c.planted().hook().equals(hook)
                        && c.planted().latents().get(0).residualDirection().size() == sae.dIn());
                if (any) {
                    dirs = Steering.allResidualDirections(sae, ctx.model().manager(), 1024);
                }
            }
            if (dirs == null) {
                continue;
            }
            boolean[] all = new boolean[dirs.length];
            java.util.Arrays.fill(all, true);
            for (var e : planted.entrySet()) {
                String task = e.getKey();
                Planted p = e.getValue().planted();
                if (!p.hook().equals(hook) || p.latents().get(0).residualDirection().size() != dirs[0].length) {
                    continue;
                }
                String clean = cleanTask(task, cards);
                for (Planted.Latent l : p.latents()) {
                    Recovery.Match m = Recovery.bestMatch(l.direction(), dirs, all);
                    ctx.log().printf("  [validate %s] planted latent %d of %s on %s: answer %d (cosine %.3f)%n", info.name(), l.latent(),
                            p.saeId(), e.getValue().name(), m.latent(), m.cosine());
                    for (String comp : config.adapters().components()) {
                        ChangeSummary pcs = ValidationInputs.changeSummary(layout.changeSummary(info.name(), task, comp));
                        ChangeSummary ccs = clean == null ? null : ValidationInputs.changeSummary(layout.changeSummary(info.name(), clean, comp));
                        for (String method : config.explain().methods()) {
                            ValidationCell pc = byKey.get(info.name() + "/" + task + "/" + comp + "/" + method);
                            ValidationCell cc = clean == null ? null : byKey.get(info.name() + "/" + clean + "/" + comp + "/" + method);
                            rows.add(TriggerAudit.plantedRow(info.name(), saeTypes.get(info.name()), task, comp, method, p.trigger(),
                                    p.saeId(), l.latent(), m, pc.validation(), pc.skipped(), pcs, clean, cc == null ? null : cc.validation(), ccs));
                        }
                    }
                }
            }
        }
        return rows;
    }
}
