package org.isaerft.cli;

import org.isaerft.config.ProjectHome;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code scripts/isaerft}. Each stage is a subcommand; every one takes --help. The {@link ProjectHome} is
 * built once, here ({@link ProjectHome#fromSystem()}), held by this root command and handed to every subcommand through
 * {@link #home(CommandLine.Model.CommandSpec)} (mixins ask with their mixee's spec).
 */
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
    private final ProjectHome home;

    Main(ProjectHome home) {
        if (home == null) {
            throw new IllegalArgumentException("the command line needs a project home");
        }
        this.home = home;
    }

    /** The command line of the project this process runs in ({@link ProjectHome#fromSystem()}). */
    public static CommandLine commandLine() {
        return commandLine(ProjectHome.fromSystem());
    }

    /** The command line of the project at {@code home}. */
    public static CommandLine commandLine(ProjectHome home) {
        CommandLine cl = new CommandLine(new Main(home));
        // `bench suite`: added under the bench command when there is one, else under a bench group of its own
        CommandLine bench = cl.getSubcommands().get("bench");
        if (bench == null) {
            bench = new CommandLine(new BenchGroup());
            cl.addSubcommand("bench", bench);
        }
        bench.addSubcommand("suite", new BenchSuiteCommand());
        bench.addSubcommand("recovery", new BenchRecoveryCommand());
        bench.addSubcommand("planted-validation", new BenchPlantedValidationCommand());
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
        System.exit(commandLine(ProjectHome.fromSystem()).execute(args));
    }

    /** The project home of the command line {@code spec} belongs to (its root command's). */
    static ProjectHome home(CommandLine.Model.CommandSpec spec) {
        Object root = spec == null ? null : spec.root().userObject();
        if (root instanceof Main m) {
            return m.home;
        }
        throw new IllegalStateException("no project home: the command was not started from isaerft's Main.commandLine"
                + (spec == null ? "" : " (root " + spec.root().qualifiedName() + ")"));
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
