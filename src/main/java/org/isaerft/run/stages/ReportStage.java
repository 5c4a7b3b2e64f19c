package org.isaerft.run.stages;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.config.RunConfig;
import org.isaerft.dashboard.Dashboard;
import org.isaerft.report.Report;
import org.isaerft.run.RunFiles;
import org.isaerft.run.SaeInfo;
import org.isaerft.run.Stage;
import org.isaerft.run.StageContext;
import org.isaerft.run.layout.RunLayout;
import org.isaerft.run.layout.StageId;
import org.isaerft.util.Versions;

/** Writes report.html, report.md and summary.json ({@link Report}) and one dashboard per SAE under {@code dashboards/SAE/}. */
public final class ReportStage extends ConfiguredStage<ReportStage.Output> {
    /** @param headlineNumbers numbers in summary.json @param charts charts drawn */
    public record Output(@JsonProperty("schema_version") int schemaVersion, int headlineNumbers,
            int charts) {
        public Output {
            Stages.checkOutput(schemaVersion, headlineNumbers, charts);
        }
    }

    public ReportStage(RunConfig config) {
        super(StageId.REPORT, config);
    }

    @Override
    void addSlice(Map<String, Object> slice) {
        slice.put("report", Versions.isaerft());
    }

    @Override
    public Output run(StageContext ctx) {
        Report.Result r = Report.write(ctx.layout().root(), () -> dashboards(ctx));
        return new Output(Stages.OUTPUT_SCHEMA_VERSION, r.headlines(), r.charts());
    }

    /** Builds per-SAE dashboards; returns SAE name → index page (relative to the run folder). */
    private Map<String, String> dashboards(StageContext ctx) {
        RunLayout layout = ctx.layout();
        Map<String, String> pages = new LinkedHashMap<>();
        for (SaeInfo info : ctx.saes()) {
            Path recs = layout.records(info.name());
            if (!Files.isDirectory(recs)) {
                continue;
            }
            List<Path> expl = new ArrayList<>();
            List<Path> scores = new ArrayList<>();
            for (String m : config.explain().methods()) {
                Path e = layout.explanationsFile(info.name(), m);
                if (Files.isRegularFile(e)) {
                    expl.add(e);
                }
                for (String sc : config.score().scorers()) {
                    Path s = layout.scoresFile(info.name(), m, sc);
                    if (Files.isRegularFile(s)) {
                        scores.add(s);
                    }
                }
            }
            Path changes = null;
            if (config.adapters() != null) {
                Path c = layout.changeSummary(info.name(), config.adapters().tasks().get(0), config.adapters().components().get(0));
                changes = Files.isRegularFile(c) ? c : null;
            }
            Path ddir = layout.dashboards(info.name());
            RunFiles.deleteTree(ddir);
            Dashboard.build(recs, ddir, expl, scores, changes);
            pages.put(info.name(), layout.relative(ddir.resolve("index.html")));
        }
        return pages;
    }
}
