package org.isaerft.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/** Writes an HTTP body into a file (appending to a resumed prefix, or from the start), forced to disk, with optional progress. */
final class BodyWriter {
    private BodyWriter() {}

    /**
     * @param append keep the file's bytes and add the body after them (a honoured Range request)
     * @param bar    advanced as bytes arrive and closed at the end; null for none
     */
    static void write(InputStream in, Path target, boolean append, ProgressBar bar) throws IOException {
        long done = bar == null ? 0 : bar.getCurrent();
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
             OutputStream out = Channels.newOutputStream(ch)) {
            byte[] buf = new byte[1 << 16];
            int n;
            try {
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    done += n;
                    if (bar != null) {
                        bar.stepTo(done);
                    }
                }
            } finally {
                out.flush();
                ch.force(true);
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
    }

    /** A MiB progress bar named {@code task}, already at {@code have} of {@code total} bytes. */
    static ProgressBar progressBar(String task, long have, long total, PrintStream out) {
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setUnit("MiB", 1L << 20)
                .showSpeed()
                .setConsumer(new ConsoleProgressBarConsumer(out))
                .build();
        bar.stepTo(have);
        return bar;
    }
}
