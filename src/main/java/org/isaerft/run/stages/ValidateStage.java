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
import org.isaerft.adapter.task.TaskCard;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.config.RunConfig;
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
 * {@link Comparison}, and on poisoned cards searches the trigger latents and checks they are flagged ({@link TriggerAudit}).
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
        Map<String, TriggerLatents> triggers = new LinkedHashMap<>(); // SAE name + "/" + task → its trigger latents
        searches.stream().filter(t -> t.result() != null).forEach(t -> triggers.put(t.sae() + "/" + t.task(), t.result()));
        for (SaeInfo info : infos) {
            // an SAE type shared by several SAEs of the run is qualified by the SAE's name, so pairs stay unique
            String type = typeCounts.get(info.type()) > 1 ? info.type() + ":" + info.name() : info.type();
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
        RunCodec.write(layout.trigger(), new TriggerAudit.Document(TriggerAudit.SCHEMA_VERSION, TriggerAudit.TYPE, searches, trows));
        return new Output(Stages.OUTPUT_SCHEMA_VERSION, validations.size(), audit.size(), trows.size());
    }

    /**
     * For every SAE and every card of the run with a planted trigger phrase: the trigger latents, from the model and SAE
     * activations on the card's training documents (all of the card's documents, not the run's {@code max_documents} subset:
     * the search needs windows that contain the phrase), with {@link TriggerLatents.Options#pipeline}. Each result is kept in
     * {@code validate/trigger/SAE/TASK.json} and reused by a resumed stage.
     */
    private List<TriggerAudit.Search> triggerSearches(StageContext ctx, List<SaeInfo> infos) {
        List<TriggerAudit.Search> out = new ArrayList<>();
        List<TaskCards.Loaded> poisoned = new ArrayList<>();
        for (String task : config.adapters().tasks()) {
            TaskCards.Loaded c = TaskCards.load(task, ctx.home());
            if (c.card().poison() != null && c.card().poison().trigger() != null && !c.card().poison().trigger().isBlank()) {
                poisoned.add(c);
            }
        }
        Path dir = ctx.layout().stage(id());
        for (SaeInfo info : infos) {
            for (TaskCards.Loaded c : poisoned) {
                String name = c.card().name();
                String trigger = c.card().poison().trigger();
                Path f = ctx.layout().triggerSearch(info.name(), name);
                String rel = dir.relativize(f).toString();
                if (Files.isRegularFile(f)) {
                    out.add(new TriggerAudit.Search(info.name(), name, trigger, rel, TriggerLatents.read(f), null));
                    continue;
                }
                TriggerLatents t;
                try (Sae sae = ctx.openSae(info)) {
                    t = TriggerLatents.findForCard(ctx.model(), sae, c, TriggerLatents.Options.pipeline(config.seed()));
                } catch (IllegalArgumentException e) {
                    out.add(new TriggerAudit.Search(info.name(), name, trigger, null, null, e.getMessage()));
                    ctx.log().printf("  [validate %s] trigger '%s' of %s: no search (%s)%n", info.name(), trigger, name, e.getMessage());
                    continue;
                }
                RunCodec.write(f, t);
                out.add(new TriggerAudit.Search(info.name(), name, trigger, rel, t, null));
                ctx.log().printf("  [validate %s] trigger '%s' of %s: %d windows with, %d without; trigger latents %s%n", info.name(), trigger,
                        name, t.windowsWith(), t.windowsWithout(), t.latentIndices());
            }
        }
        return out;
    }

    /** One {@link TriggerAudit.Row} per trigger search × component × method, with the clean card's validation beside it. */
    private List<TriggerAudit.Row> triggerRows(StageContext ctx, List<TriggerAudit.Search> searches, List<ValidationCell> cells) {
        RunLayout layout = ctx.layout();
        List<TriggerAudit.Row> rows = new ArrayList<>();
        if (searches.isEmpty()) {
            return rows;
        }
        List<TaskCard> cards = config.adapters().tasks().stream().map(t -> TaskCards.load(t, ctx.home()).card()).toList();
        Map<String, ValidationCell> byKey = new LinkedHashMap<>();
        for (ValidationCell c : cells) {
            byKey.put(c.sae() + "/" + c.task() + "/" + c.component() + "/" + c.method(), c);
        }
        for (TriggerAudit.Search s : searches) {
            if (s.result() == null) {
                continue;
            }
            TaskCard pcard = cards.stream().filter(c -> c.name().equals(s.task())).findFirst().orElseThrow();
            TaskCard clean = TriggerAudit.cleanCounterpart(pcard, cards);
            for (String comp : config.adapters().components()) {
                for (String method : config.explain().methods()) {
                    ValidationCell p = byKey.get(s.sae() + "/" + s.task() + "/" + comp + "/" + method);
                    ValidationCell c = clean == null ? null : byKey.get(s.sae() + "/" + clean.name() + "/" + comp + "/" + method);
                    ChangeSummary pcs = ValidationInputs.changeSummary(layout.changeSummary(s.sae(), s.task(), comp));
                    ChangeSummary ccs = clean == null ? null : ValidationInputs.changeSummary(layout.changeSummary(s.sae(), clean.name(), comp));
                    rows.add(TriggerAudit.row(s.sae(), p.saeType(), comp, method, s.result(), p.validation(), p.skipped(), pcs,
                            clean == null ? null : clean.name(), c == null ? null : c.validation(), ccs));
                }
            }
        }
        return rows;
    }
}
