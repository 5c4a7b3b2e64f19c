package org.isaerft.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.isaerft.cli.Main;
import picocli.CommandLine;

/** Runs {@code isaerft} commands in-process with stdout and stderr captured. */
public final class Cli {
    private Cli() {}

    /** Exit code and captured output of one command. */
    public record Run(int code, String out, String err) {}

    public static Run run(String... args) {
        return run(Main.commandLine(), args);
    }

    public static Run run(CommandLine cl, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }
}
