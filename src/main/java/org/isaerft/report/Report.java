package org.isaerft.report;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.isaerft.dashboard.Templates;
import org.isaerft.run.layout.RunLayout;
import org.isaerft.util.AtomicFiles;
import org.isaerft.util.Json;

/**
 * Writes a run's {@code summary.json} (every headline number with its baseline and CI — the nightly
 * contract, built by {@link Summary}), and {@code report.html} / {@code report.md}: one
 * {@link ReportModel} built from the run folder's stage outputs ({@link ModelBuilder}), rendered by
 * the templates {@code src/main/resources/org/isaerft/report/report.html.mustache} (self-contained:
 * inline CSS, SVG charts and a small sort script) and {@code report.md.mustache}. The report opens
 * with the findings (verdicts from the statistics, see {@link Findings}) and, after
 * {@code isaerft report compare}, the regressions and improvements beside them.
 */
public final class Report {
    /** File names of the report's outputs in a run folder (their paths are {@link RunLayout}'s). */
    public static final String SUMMARY = "summary.json";
    public static final String HTML = "report.html";
    public static final String MARKDOWN = "report.md";

    static final String HTML_TEMPLATE = "report/report.html.mustache";
    static final String MD_TEMPLATE = "report/report.md.mustache";

    private Report() {}

    /** What was written. */
    public record Result(int headlines, int charts) {}

    /** Builds dashboards (via the supplier), then writes summary.json, report.md and report.html under {@code run}. */
    public static Result write(Path run, Supplier<Map<String, String>> dashboards) {
        Map<String, String> dash = dashboards.get();
        Json.writeFile(new RunLayout(run).dashboardsIndex(), Map.of("schema_version", 1, "dashboards", dash));
        return render(run);
    }

    /** (Re)writes summary.json, report.md and report.html from the run's files. */
    public static Result render(Path run) {
        RunLayout layout = new RunLayout(run);
        RunFolder folder = RunFolder.read(run);
        List<Headline> heads = Summary.headlines(folder);
        Json.writeFile(layout.summary(), Summary.of(folder, heads));
        ReportModel model = ModelBuilder.build(folder, heads);
        AtomicFiles.writeString(layout.reportHtml(), html(model));
        AtomicFiles.writeString(layout.reportMarkdown(), markdown(model));
        return new Result(heads.size(), model.charts());
    }

    /** The model of a run folder's report (for tests and other renderers). */
    public static ReportModel model(Path run) {
        RunFolder folder = RunFolder.read(run);
        return ModelBuilder.build(folder, Summary.headlines(folder));
    }

    /** Headline numbers from the run's stage outputs. */
    public static List<Headline> headlines(Path run) {
        return Summary.headlines(run);
    }

    static String html(ReportModel model) {
        return Templates.html(HTML_TEMPLATE, new View(model, Templates.SORT_JS));
    }

    static String markdown(ReportModel model) {
        return Templates.markdown(MD_TEMPLATE, new View(model, ""));
    }

    /** What the templates see: the model and the shared table-sorting script. */
    record View(ReportModel report, String sortJs) {}
}
