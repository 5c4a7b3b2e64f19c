package org.isaerft.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.isaerft.util.AtomicFiles;

/** File helpers of the orchestration: folders, copies, deletion, stale temporaries, CPU time. */
public final class RunFiles {
    private RunFiles() {}

    public static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + p, e);
        }
    }

    public static void copy(Path from, Path to) {
        try {
            AtomicFiles.writeBytes(to, Files.readAllBytes(from));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }

    public static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + p, e);
        }
    }

    public static boolean hasBytes(Path p) {
        try {
            return Files.isRegularFile(p) && Files.size(p) > 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    /**
     * Deletes the temporaries an interrupted atomic write left under {@code dir} ({@code .NAME.<n>.tmp},
     * see {@link AtomicFiles}); returns how many. Only a resuming stage calls this, on its own folder.
     */
    public static int deleteStaleTemporaries(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            List<Path> stale = s.filter(Files::isRegularFile).filter(f -> {
                String n = f.getFileName().toString();
                return n.startsWith(".") && n.endsWith(".tmp");
            }).toList();
            for (Path f : stale) {
                Files.deleteIfExists(f);
            }
            return stale.size();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean temporaries under " + dir, e);
        }
    }

    public static double cpuSeconds() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }
}
