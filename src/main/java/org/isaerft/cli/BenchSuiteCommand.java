package org.isaerft.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.isaerft.config.ProjectHome;
import org.isaerft.config.RunConfig;
import org.isaerft.run.Pipeline;
import org.isaerft.run.Suite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code isaerft bench suite}: every task card × SAE type × interpretation method, one table in results/bench/. */
@Command(name = "suite", mixinStandardHelpOptions = true,
        description = {"Benchmark suite: run the config widened to every built-in task card (all its SAEs, components, methods), "
                + "then write one table to results/bench/suite.json and suite.md. Resumable like `isaerft run`."})
public final class BenchSuiteCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "CONFIG", defaultValue = "configs/demo.yaml", description = "Base run config (default: ${DEFAULT-VALUE}).")
    String config;

    @Option(names = "--run-dir", paramLabel = "DIR", description = "Pipeline output folder (default: results/bench/suite-run).")
    Path runDir;

    @Option(names = "--out", paramLabel = "DIR", description = "Where suite.json and suite.md go (default: results/bench).")
    Path out;

    @Option(names = "--tokens", paramLabel = "N", description = "Override the corpus token budget.")
    Long tokens;

    @Override
    public Integer call() {
        ProjectHome home = Main.home(spec);
        Path file = home.resolve(config);
        RunConfig cfg = RunConfig.read(file);
        if (tokens != null) {
            cfg = cfg.withTokens(tokens);
        }
        Path run = runDir != null ? runDir : home.resolve("results/bench/suite-run");
        Path table = out != null ? out : home.resolve("results/bench");
        var rows = Suite.run(cfg, home, run, table, Pipeline.builder(Suite.widen(cfg, home), run, home).configFile(file));
        System.out.printf("%d rows -> %s%n", rows.size(), table.resolve("suite.md"));
        return 0;
    }
}
