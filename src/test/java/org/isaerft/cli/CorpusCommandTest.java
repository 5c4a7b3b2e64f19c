package org.isaerft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.isaerft.testing.Cli;
import org.isaerft.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusCommandTest {
    @TempDir
    Path tmp;

    Cli.Run sample(Path out, String batch) {
        return Cli.run("corpus", "sample", "--model", Shared.path("models/stories260K").toString(), "--documents", "5",
                "--max-new-tokens", "40", "--seed", "11", "--batch", batch, "--out", out.toString());
    }

    @Test
    void batchSizeDoesNotChangeTheSampledCorpus() throws IOException {
        Path one = tmp.resolve("one.txt");
        Path three = tmp.resolve("three.txt");
        assertThat(sample(one, "1").code()).isZero();
        Cli.Run run = sample(three, "3");
        assertThat(run.code()).as(run.err()).isZero();
        String text = Files.readString(three);
        assertThat(text).isEqualTo(Files.readString(one));
        // 5 documents separated by blank lines, none with a blank line inside
        assertThat(text.strip().split("\n\n")).hasSize(5).allSatisfy(doc -> assertThat(doc).isNotBlank());
        assertThat(tmp.toFile().list()).containsExactlyInAnyOrder("one.txt", "three.txt"); // atomic: no temp files left
    }

    @Test
    void nonPositiveBatchIsRefused() {
        Cli.Run run = sample(tmp.resolve("x.txt"), "0");
        assertThat(run.code()).isNotZero();
        assertThat(run.err()).contains("--batch").contains("must be positive");
        assertThat(tmp.resolve("x.txt")).doesNotExist();
    }
}
