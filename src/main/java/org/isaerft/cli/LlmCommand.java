package org.isaerft.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.isaerft.llm.LlmCheck;
import org.isaerft.llm.LlmConfig;
import org.isaerft.llm.LlmException;
import org.isaerft.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code isaerft llm …}: LLM provider tools. */
@Command(name = "llm", mixinStandardHelpOptions = true, description = "LLM providers: check a config before a real run.",
        subcommands = {LlmCommand.Check.class})
public final class LlmCommand extends GroupCommand {

    /** {@code isaerft llm check --llm-config FILE}. */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Send one tiny request (at most " + LlmCheck.MAX_TOKENS + " output tokens, no cache) through the configured "
                    + "provider; print provider, model, latency, whether log-probabilities come back (simulation needs them or "
                    + "falls back to JSON) and the cost estimate. Exit 0 when the request succeeds, 2 on a config or key problem, "
                    + "1 when the request fails.")
    public static final class Check implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--llm-config", required = true, paramLabel = "FILE", description = "LLM config (configs/llm/*.yaml).")
        Path config;

        @Option(names = "--json", description = "Print one JSON object instead of text.")
        boolean json;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (!Files.isRegularFile(config)) {
                err.println("error: LLM config " + config + " not found (configs/llm/ has examples)");
                return 2;
            }
            LlmConfig cfg;
            try {
                cfg = LlmConfig.load(config);
            } catch (IllegalArgumentException e) {
                err.println("error: " + e.getMessage());
                return 2;
            }
            LlmCheck.Result r;
            try {
                r = LlmCheck.run(cfg);
            } catch (IllegalArgumentException e) {
                // a missing key: the message names the environment variable
                err.println("error: " + e.getMessage() + " — export it (e.g. `export " + (cfg.apiKeyEnv() == null ? "KEY" : cfg.apiKeyEnv())
                        + "=...`) and run the check again; the key is read from the environment only and never written");
                return 2;
            } catch (LlmException e) {
                err.println("error: " + cfg.provider().id() + "/" + cfg.model() + " at " + cfg.resolvedBaseUrl() + ": " + e.getMessage());
                return 1;
            }
            if (json) {
                out.println(Json.line(r.toJson()));
            } else {
                out.print(r.toText(cfg));
            }
            out.flush();
            return 0;
        }
    }
}
