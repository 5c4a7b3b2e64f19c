package org.isaerft.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectHomeTest {
    @TempDir
    Path tmp;

    @Test
    void sharedDefaultsToTheFolderBesideHomeAndIsOverriddenByPropertyThenEnvironment() {
        Path home = tmp.resolve("proj");
        ProjectHome beside = ProjectHome.from(home.toString(), null, Map.of());
        assertThat(beside.home()).isEqualTo(home);
        assertThat(beside.shared()).isEqualTo(tmp.resolve("shared"));

        ProjectHome env = ProjectHome.from(home.toString(), null, Map.of("ISAERFT_SHARED", "/data/s"));
        assertThat(env.shared()).isEqualTo(Path.of("/data/s"));
        ProjectHome prop = ProjectHome.from(home.toString(), "/p/s", Map.of("ISAERFT_SHARED", "/data/s"));
        assertThat(prop.shared()).as("the property wins over the environment").isEqualTo(Path.of("/p/s"));

        ProjectHome cwd = ProjectHome.from(null, "", Map.of());
        assertThat(cwd.home()).isEqualTo(Path.of("").toAbsolutePath());
        assertThat(cwd.shared()).isEqualTo(Path.of("").toAbsolutePath().getParent().resolve("shared"));
    }

    @Test
    void resolvesSharedPrefixAbsoluteAndRelativePaths() {
        ProjectHome h = new ProjectHome(Path.of("/w/proj"), Path.of("/w/shared"));
        assertThat(h.resolve("${shared}/corpora/a.txt")).isEqualTo(Path.of("/w/shared/corpora/a.txt"));
        assertThat(h.resolve("${shared}corpora/a.txt")).isEqualTo(Path.of("/w/shared/corpora/a.txt"));
        assertThat(h.resolve("configs/demo.yaml")).isEqualTo(Path.of("/w/proj/configs/demo.yaml"));
        assertThat(h.resolve("../x/./y")).isEqualTo(Path.of("/w/x/y"));
        assertThat(h.resolve("/abs/../z")).isEqualTo(Path.of("/z"));
        assertThat(h.resolve("d.txt", Path.of("/cards/t"))).isEqualTo(Path.of("/cards/t/d.txt"));
        assertThat(h.resolve("${shared}/m", Path.of("/cards/t"))).isEqualTo(Path.of("/w/shared/m"));
        assertThatThrownBy(() -> h.resolve(" ")).hasMessageContaining("empty path");
    }

    @Test
    void namesTheProjectFiles() throws Exception {
        ProjectHome h = new ProjectHome(tmp.resolve("p"), tmp.resolve("s"));
        assertThat(h.modelRegistry()).isEqualTo(tmp.resolve("p/configs/models.yaml"));
        assertThat(h.saeCatalogue()).isEqualTo(tmp.resolve("p/configs/pretrained_saes.yaml"));
        assertThat(h.promptsDir()).isEqualTo(tmp.resolve("p/prompts"));
        assertThat(h.tasksDir()).isEqualTo(tmp.resolve("p/benchmarks/suite/tasks"));
        assertThat(h.sharedModelsOrNull()).as("no shared/models folder yet").isNull();
        Files.createDirectories(tmp.resolve("s/models"));
        assertThat(h.sharedModelsOrNull()).isEqualTo(tmp.resolve("s/models"));
    }

    @Test
    void validatesAndNormalises() {
        assertThatThrownBy(() -> new ProjectHome(null, Path.of("/s"))).hasMessageContaining("project home");
        assertThatThrownBy(() -> new ProjectHome(Path.of("/h"), null)).hasMessageContaining("shared folder").hasMessageContaining("/h");
        assertThat(new ProjectHome(Path.of("/a/b/../c"), Path.of("/s/./t")).home()).isEqualTo(Path.of("/a/c"));
    }
}
