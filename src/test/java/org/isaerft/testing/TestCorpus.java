package org.isaerft.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Small pre-tokenised corpora for tests. */
public final class TestCorpus {
    private TestCorpus() {}

    /**
     * Writes {@code docs} lines to {@code file}, each a JSON array of {@code len} ids drawn
     * uniformly from [0, 1000) (the gpt2-tiny fixture's vocabulary) with {@code seed}; returns {@code file}.
     */
    public static Path randomIds(Path file, int docs, int len, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < docs; d++) {
            sb.append('[');
            for (int i = 0; i < len; i++) {
                sb.append(i == 0 ? "" : ",").append(r.nextInt(1000));
            }
            sb.append("]\n");
        }
        Files.writeString(file, sb.toString());
        return file;
    }
}
