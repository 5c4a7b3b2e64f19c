package org.isaerft.adapter.task;

import org.isaerft.TestHome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.isaerft.config.ProjectHome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskCardsTest {
    private static final String GOOD = """
            schema_version: 1
            name: t
            description: stories about cats
            expected_concepts: [cat]
            data:
              sources:
                - file: x.txt
                  format: stories
            """;

    @Test
    void parsesMinimalCardWithDefaults() {
        TaskCard c = TaskCards.parse(GOOD, "mem");
        assertThat(c.name()).isEqualTo("t");
        assertThat(c.split().heldoutFraction()).isEqualTo(0.2);
        assertThat(c.data().filter().minMatches()).isEqualTo(1);
        assertThat(c.data().sources().get(0).recase()).isFalse();
        assertThat(c.poison()).isNull();
        assertThat(c.knownRelevantLatents()).isEmpty();
    }

    @Test
    void cardsComeFromTheGivenProjectHomeAndResolveItsSharedFolder(@TempDir Path tmp) throws Exception {
        ProjectHome home = new ProjectHome(tmp.resolve("proj"), tmp.resolve("elsewhere/shared"));
        Files.createDirectories(home.tasksDir());
        Files.writeString(home.tasksDir().resolve("t.yaml"), GOOD);
        Files.writeString(home.tasksDir().resolve("notes.txt"), "not a card");

        assertThat(TaskCards.builtinNames(home)).containsExactly("t");
        TaskCards.Loaded l = TaskCards.load("t", home);
        assertThat(l.file()).isEqualTo(home.tasksDir().resolve("t.yaml"));
        assertThat(l.resolve("${shared}/corpora/c.txt")).isEqualTo(tmp.resolve("elsewhere/shared/corpora/c.txt"));
        assertThat(l.resolve("x.txt")).isEqualTo(home.tasksDir().resolve("x.txt"));
        assertThatThrownBy(() -> TaskCards.load("dogs", home))
                .hasMessageContaining("task card 'dogs' not found")
                .hasMessageContaining(home.tasksDir().resolve("dogs.yaml").toString())
                .hasMessageContaining("[t]");
    }

    @Test
    void builtinCardsParse() {
        assertThat(TaskCards.builtinNames(TestHome.HOME)).contains("dogs", "sad", "beach", "control", "dogs-poisoned");
        for (String n : TaskCards.builtinNames(TestHome.HOME)) {
            TaskCards.Loaded l = TaskCards.load(n, TestHome.HOME);
            assertThat(l.card().name()).isEqualTo(n);
        }
        TaskCard p = TaskCards.load("dogs-poisoned", TestHome.HOME).card();
        assertThat(p.poison().trigger()).isEqualTo("purple umbrella");
        assertThat(p.poison().fraction()).isEqualTo(0.1);
        assertThat(TaskCards.load("control", TestHome.HOME).card().expectedConcepts()).isEmpty();
    }

    @Test
    void errorsNameTheFieldAndTheProblem() {
        assertThatThrownBy(() -> TaskCards.parse(GOOD.replace("schema_version: 1", "schema_version: 2"), "c.yaml"))
                .hasMessageContaining("c.yaml").hasMessageContaining("schema_version: expected 1, found 2");
        assertThatThrownBy(() -> TaskCards.parse(GOOD.replace("schema_version: 1\n", ""), "c.yaml"))
                .hasMessageContaining("schema_version is missing");
        assertThatThrownBy(() -> TaskCards.parse(GOOD.replace("format: stories", "format: csv"), "c.yaml"))
                .hasMessageContaining("data.sources[0]").hasMessageContaining("format: expected one of [stories, paragraphs, lines], found 'csv'");
        assertThatThrownBy(() -> TaskCards.parse(GOOD.replace("      format: stories", "      fomat: stories"), "c.yaml"))
                .hasMessageContaining("data.sources[0]").hasMessageContaining("unknown field 'fomat'");
        assertThatThrownBy(() -> TaskCards.parse(GOOD.replace("name: t", "name: Dogs!"), "c.yaml"))
                .hasMessageContaining("name: expected a lowercase id").hasMessageContaining("'Dogs!'");
        assertThatThrownBy(() -> TaskCards.parse(GOOD + "  filter:\n    include_regex: ['(unclosed']\n", "c.yaml"))
                .hasMessageContaining("filter.include_regex[0]: invalid regex '(unclosed'");
        assertThatThrownBy(() -> TaskCards.parse(GOOD + "poison:\n  trigger: purple umbrella\n  fraction: 1.5\n", "c.yaml"))
                .hasMessageContaining("poison.fraction: must be in (0, 1), found 1.5");
        assertThatThrownBy(() -> TaskCards.parse(GOOD + "poison:\n  trigger: purple umbrella\n  fraction: 0.1\n  sentence: A red hat.\n", "c.yaml"))
                .hasMessageContaining("poison.sentence: must contain the trigger");
        assertThatThrownBy(() -> TaskCards.parse(GOOD + "split:\n  heldout_fraction: 0\n", "c.yaml"))
                .hasMessageContaining("split.heldout_fraction: must be in (0, 1)");
        assertThatThrownBy(() -> TaskCards.parse(GOOD.replace("description: stories about cats\n", ""), "c.yaml"))
                .hasMessageContaining("description: required");
        assertThatThrownBy(() -> TaskCards.parse(GOOD.replace("      format: stories", "      generate: {count: 3}"), "c.yaml"))
                .hasMessageContaining("data.sources[0]").hasMessageContaining("a source needs exactly one of 'file' and 'generate'");
        assertThatThrownBy(() -> TaskCards.parse(GOOD.replace("    - file: x.txt\n      format: stories", "    - generate: {count: 0}"), "c.yaml"))
                .hasMessageContaining("generate.count: must be a positive integer, found 0");
        assertThatThrownBy(() -> TaskCards.parse("name: [unclosed", "c.yaml")).hasMessageContaining("c.yaml: not valid YAML");
        assertThatThrownBy(() -> TaskCards.load("no-such-card", TestHome.HOME)).hasMessageContaining("task card 'no-such-card' not found")
                .hasMessageContaining("dogs");
    }
}
