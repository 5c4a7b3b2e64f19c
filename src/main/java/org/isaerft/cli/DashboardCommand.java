package org.isaerft.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.isaerft.dashboard.Dashboard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code isaerft dashboard --records DIR --out DIR}: static HTML pages of mined latents. */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = {"Writes static, self-contained HTML dashboards of mined latents: index.html (sortable table) and one page",
            "per latent (examples coloured by activation, deciles, histogram, logit lens). Explanations, scores and adapter",
            "changes are shown when explanations.jsonl, scores.jsonl or change_summary.json sit beside the records."})
public final class DashboardCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--records", required = true, paramLabel = "DIR", description = "Directory of latent records (output of `mine`).")
    Path records;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory for the HTML files.")
    Path out;

    @Option(names = "--explanations", paramLabel = "FILE.jsonl", description = "Explanations to show (repeatable; explanations.jsonl beside the records is always read).")
    java.util.List<Path> explanations = new java.util.ArrayList<>();

    @Option(names = "--scores", paramLabel = "FILE.jsonl", description = "Scores to show (repeatable; scores.jsonl beside the records is always read).")
    java.util.List<Path> scores = new java.util.ArrayList<>();

    @Option(names = "--changes", paramLabel = "FILE.json", description = "Adapter change summary (change_summary.json beside the records is always read).")
    Path changes;

    @Override
    public Integer call() {
        Dashboard.Result r = Dashboard.build(records, out, explanations, scores, changes);
        var w = spec.commandLine().getOut();
        w.println("wrote " + out.resolve("index.html") + " and " + r.latentPages() + " latent pages (" + r.explanations()
                + " explanations, " + r.scores() + " scores, " + r.changes() + " adapter changes)");
        w.flush();
        return 0;
    }
}
