package org.isaerft.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.isaerft.config.ProjectHome;
import org.isaerft.config.RunConfig;
import org.isaerft.run.Pipeline;
import org.isaerft.run.layout.StageId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code isaerft run [CONFIG] [--out DIR] [--force STAGE]... [--tokens N]}: the whole pipeline, resumable. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a configured pipeline: SAEs (load or train) -> adapters -> mine -> explain -> score -> validate -> report.",
                "Resumable: finished stages and latents are skipped, a killed run continues, --force STAGE redoes a stage "
                        + "(and everything downstream of it). Progress on stderr; writes DIR/run_config.json, DIR/report.html, "
                        + "DIR/report.md, DIR/summary.json."})
public final class RunCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG", description = "Run config YAML (default: configs/demo.yaml).")
    String config;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: results/<run_id>).")
    Path out;

    @Option(names = "--force", paramLabel = "STAGE",
            description = "Redo this stage (saes, adapters, mine, explain, score, validate, recovery, report); repeatable.")
    List<String> force = new ArrayList<>();

    @Option(names = "--tokens", paramLabel = "N", description = "Override the config's corpus token budget.")
    Long tokens;

    @Option(names = "--check", description = "Only check that everything the run needs is there (paths, task cards, SAE specs, "
            + "model, LLM config and its key variable); list every problem; exit 1 if any.")
    boolean check;

    @Override
    public Integer call() {
        ProjectHome home = Main.home(spec);
        Path file = home.resolve(config != null ? config : "configs/demo.yaml");
        RunConfig cfg = RunConfig.read(file);
        if (tokens != null) {
            cfg = cfg.withTokens(tokens);
        }
        Path dir = out != null ? out : home.resolve("results/" + cfg.runId());
        Pipeline.Builder b = Pipeline.builder(cfg, dir, home).configFile(file);
        for (String f : force) {
            b.force(StageId.parse(f));
        }
        Pipeline pipeline = b.build();
        if (check) {
            List<String> problems = pipeline.check();
            PrintWriter w = spec.commandLine().getOut();
            if (problems.isEmpty()) {
                w.println("run " + cfg.runId() + " (" + file + "): ready, no problems found");
            } else {
                w.println("run " + cfg.runId() + " (" + file + "): " + problems.size() + " problem(s):");
                problems.forEach(p -> w.println("  - " + p));
            }
            w.flush();
            return problems.isEmpty() ? 0 : 1;
        }
        Pipeline.Outcome o = pipeline.run();
        System.out.println("run " + cfg.runId() + ": " + o.stages() + "\nreport: " + dir.resolve("report.html"));
        return 0;
    }
}
