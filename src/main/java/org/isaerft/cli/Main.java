package org.isaerft.cli;

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
            SaeCommand.class,
            CorpusCommand.class,
            ExplainCommand.class,
            ExplainAdapterCommand.class,
            ScoreCommand.class,
            DashboardCommand.class,
            RunCommand.class,
            ReportCommand.class,
            MineCommand.class,
            AdapterCommand.class,
            ValidateCommand.class,
            BenchCommand.class,
            LlmCommand.class,
            TaskCommand.class,
        })
public final class Main extends GroupCommand {
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // `bench suite`: added under the bench command when there is one, else under a bench group of its own
        CommandLine bench = cl.getSubcommands().get("bench");
        if (bench == null) {
            bench = new CommandLine(new BenchGroup());
            cl.addSubcommand("bench", bench);
        }
        bench.addSubcommand("suite", new BenchSuiteCommand());
        bench.addSubcommand("recovery", new BenchRecoveryCommand());
        bench.addSubcommand("adapter-lr", new BenchAdapterLrCommand());
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
        org.isaerft.config.ProjectHome.install(org.isaerft.config.ProjectHome.fromSystem());
        System.exit(commandLine().execute(args));
    }

    /** The {@code bench} group when no other benchmark command defines it. */
    @CommandLine.Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.")
    static final class BenchGroup extends GroupCommand {
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"isaerft " + org.isaerft.util.Versions.isaerft()};
        }
    }
}
