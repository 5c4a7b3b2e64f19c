package org.isaerft.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.isaerft.report.Compare;
import org.isaerft.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code isaerft report render DIR} and {@code isaerft report compare --previous DIR --current DIR}. */
@Command(name = "report", mixinStandardHelpOptions = true, description = "Render a run's report, or compare two runs.",
        subcommands = {ReportCommand.Render.class, ReportCommand.CompareRuns.class})
public final class ReportCommand extends GroupCommand {
    /** Re-renders summary.json, report.md and report.html of a finished run folder. */
    @Command(name = "render", mixinStandardHelpOptions = true, description = "Rewrite summary.json, report.md and report.html of a run.")
    static final class Render implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR")
        Path dir;

        @Override
        public Integer call() {
            Report.Result r = Report.render(dir);
            System.out.printf("%d headline numbers, %d charts -> %s%n", r.headlines(), r.charts(), dir.resolve(Report.HTML));
            return 0;
        }
    }

    /** Marks regressions and improvements of the current run against a previous one. */
    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = {"Compare summary.json of two runs; writes CURRENT/compare.json and re-renders CURRENT's report with "
                    + "regressions and improvements marked.", "Exit code 3 when there are regressions and --fail-on-regression is given."})
    static final class CompareRuns implements Callable<Integer> {
        @Option(names = "--previous", required = true, paramLabel = "DIR")
        Path previous;

        @Option(names = "--current", required = true, paramLabel = "DIR")
        Path current;

        @Option(names = "--tolerances", paramLabel = "FILE",
                description = "YAML with 'default' (absolute tolerance, default 0.02) and 'prefixes' {name-prefix: tolerance}.")
        Path tolerances;

        @Option(names = "--fail-on-regression", description = "Exit with status 3 when any headline regressed.")
        boolean fail;

        @Override
        public Integer call() {
            Compare.Tolerances t = tolerances == null ? Compare.Tolerances.DEFAULT : Compare.Tolerances.read(tolerances);
            Compare.Comparison c = Compare.compareAndReport(previous, current, t);
            for (Compare.Row r : c.rows()) {
                if (!r.status().equals("unchanged")) {
                    System.out.printf("%-12s %s: %s -> %s%n", r.status().toUpperCase(java.util.Locale.ROOT), r.name(), r.previous(), r.current());
                }
            }
            System.out.printf("%d regressions, %d improvements; report: %s%n", c.regressions(), c.improvements(),
                    current.resolve(Report.HTML));
            return fail && c.regressions() > 0 ? 3 : 0;
        }
    }
}
