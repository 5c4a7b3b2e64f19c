package org.isaerft.run.layout;

import java.nio.file.Path;
import org.isaerft.adapter.AdapterOutputs;
import org.isaerft.score.ScoreRunner;
import org.isaerft.validate.TriggerAudit;

/**
 * Every path of a run folder, spelled once. Stages, the suite, the CLI and (after the report rework)
 * the report and dashboards resolve files through this record; paths stored inside run documents are
 * relative to {@link #root()} ({@link #relative(Path)}, {@link #resolve(String)}), so a run folder can be moved.
 *
 * @param root the run folder (absolute, normalised)
 */
public record RunLayout(Path root) {
    public RunLayout {
        if (root == null) {
            throw new IllegalArgumentException("run layout: root folder is null");
        }
        root = root.toAbsolutePath().normalize();
    }

    /** The folder of a stage (holds its {@code _STARTED}/{@code _SUCCESS} markers). */
    public Path stage(StageId s) {
        return root.resolve(s.id());
    }

    public Path runConfig() {
        return root.resolve("run_config.json");
    }

    /** {@code saes/saes.json}: the SAEs of the run ({@code run.SaesDocument}). */
    public Path saes() {
        return stage(StageId.SAES).resolve("saes.json");
    }

    /** The folder of an SAE trained by the saes stage. */
    public Path trainedSae(String sae) {
        return stage(StageId.SAES).resolve(sae);
    }

    public Path adapter(String sae, String task, String component) {
        return stage(StageId.ADAPTERS).resolve(sae).resolve(task).resolve(component);
    }

    public Path changeSummary(String sae, String task, String component) {
        return adapter(sae, task, component).resolve(AdapterOutputs.CHANGE_SUMMARY);
    }

    /** {@code adapters/summary.json} ({@code run.AdaptersDocument}). */
    public Path adaptersSummary() {
        return stage(StageId.ADAPTERS).resolve("summary.json");
    }

    /** {@code mine/SAE/}: the mined latent records and their {@code index.json}. */
    public Path mined(String sae) {
        return stage(StageId.MINE).resolve(sae);
    }

    /** {@code explain/SAE/records/}: the records chosen for explanation. */
    public Path records(String sae) {
        return stage(StageId.EXPLAIN).resolve(sae).resolve("records");
    }

    /** {@code explain/SAE/METHOD/}: one explanation method's outputs. */
    public Path explanations(String sae, String method) {
        return stage(StageId.EXPLAIN).resolve(sae).resolve(method);
    }

    public Path explanationsFile(String sae, String method) {
        return explanations(sae, method).resolve("explanations.jsonl");
    }

    public Path latentDescriptions(String sae, String method) {
        return explanations(sae, method).resolve("latent_descriptions.json");
    }

    /** {@code score/SAE/METHOD/SCORER/}. */
    public Path scores(String sae, String method, String scorer) {
        return stage(StageId.SCORE).resolve(sae).resolve(method).resolve(scorer);
    }

    public Path scoresFile(String sae, String method, String scorer) {
        return scores(sae, method, scorer).resolve(ScoreRunner.SCORES_FILE);
    }

    public Path validation() {
        return stage(StageId.VALIDATE).resolve("validation.json");
    }

    public Path comparison() {
        return stage(StageId.VALIDATE).resolve("comparison.json");
    }

    public Path audit() {
        return stage(StageId.VALIDATE).resolve("audit.json");
    }

    /** {@code validate/trigger.json} ({@link TriggerAudit.Document}). */
    public Path trigger() {
        return stage(StageId.VALIDATE).resolve(TriggerAudit.FILE);
    }

    /** {@code validate/trigger/SAE/TASK.json}: one trigger-latent search. */
    public Path triggerSearch(String sae, String task) {
        return stage(StageId.VALIDATE).resolve("trigger").resolve(sae).resolve(task + ".json");
    }

    /** {@code recovery/summary.json}: the known-answer recovery headlines (absent when the run has no recovery stage). */
    public Path recoverySummary() {
        return stage(StageId.RECOVERY).resolve("summary.json");
    }

    /** {@code recovery/recovery.json}: everything the recovery stage measured (tasks, runs and their analysis). */
    public Path recovery() {
        return stage(StageId.RECOVERY).resolve("recovery.json");
    }

    /** {@code compare.json}: written by {@code isaerft report compare} into the current run. */
    public Path compare() {
        return root.resolve("compare.json");
    }

    /** {@code dashboards.json}: the index of the run's dashboards. */
    public Path dashboardsIndex() {
        return root.resolve("dashboards.json");
    }

    public Path dashboards(String sae) {
        return root.resolve("dashboards").resolve(sae);
    }

    public Path llmCache(String method) {
        return root.resolve("llm_cache").resolve(method);
    }

    public Path summary() {
        return root.resolve("summary.json");
    }

    public Path reportHtml() {
        return root.resolve("report.html");
    }

    public Path reportMarkdown() {
        return root.resolve("report.md");
    }

    /** A path under the run folder as stored in run documents (relative, '/'-separated); other paths stay absolute. */
    public String relative(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(root) ? root.relativize(abs).toString().replace('\\', '/') : abs.toString();
    }

    /** Reads back a path stored by {@link #relative(Path)}. */
    public Path resolve(String stored) {
        Path p = Path.of(stored);
        return p.isAbsolute() ? p.normalize() : root.resolve(p).normalize();
    }
}
