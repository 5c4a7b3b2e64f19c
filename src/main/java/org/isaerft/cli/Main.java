package org.isaerft.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code scripts/isaerft}. Each stage is a subcommand; every one takes --help. */
@Command(
        name = "isaerft",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Interpretable fine-tuning on sparse-autoencoder latents.",
        subcommands = {
            CommandLine.HelpCommand.class,
            GenerateCommand.class,
            ActivationsCommand.class,
            BenchCommand.class,
        })
public final class Main implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.out);
        return 0;
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("error: " + ex.getMessage());
            if (System.getenv("ISAERFT_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"isaerft " + org.isaerft.util.Versions.isaerft()};
        }
    }
}
