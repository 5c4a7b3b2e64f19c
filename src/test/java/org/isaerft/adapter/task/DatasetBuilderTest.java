package org.isaerft.adapter.task;

import org.isaerft.TestHome;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.isaerft.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetBuilderTest {
    @Test
    void storiesFormatSplitsAtAdjacentLines() {
        String text = "a one.\n\na two.\nb one.\nc one.\n\nc two.\n\n\nc three.\n";
        assertThat(TaskCorpus.split(text, "stories")).containsExactly("a one.\n\na two.", "b one.", "c one.\n\nc two.\n\nc three.");
        assertThat(TaskCorpus.split(text, "paragraphs")).containsExactly("a one.", "a two. b one. c one.", "c two.", "c three.");
        assertThat(TaskCorpus.split(text, "lines")).hasSize(6);
    }

    @Test
    void lowercasedCorpusStoriesMatchTheCasedSample() {
        // the cased sample is a prefix of the lower-cased file: its stories must be found verbatim
        String sample = TaskCorpus.readText(Shared.path("corpora/tinystories/tinystories-sample.txt"));
        List<String> lower = TaskCorpus.split(TaskCorpus.readText(Shared.path("corpora/tinystories/tinystories-lowercased.txt")), "stories");
        assertThat(lower.size()).isBetween(5400, 5600);
        Recaser rc = Recaser.fromReference(sample);
        String first = rc.lookup(lower.get(0)).orElseThrow();
        assertThat(first).startsWith("One day, a little girl named Lily found a needle in her room.")
                .endsWith("They both felt happy because they had shared and worked together.");
        assertThat(first).contains("\n\nLily went to her mom");
        long found = lower.stream().limit(400).filter(d -> rc.lookup(d).isPresent()).count();
        assertThat(found).isBetween(250L, 290L); // the sample holds the first ~275 stories
    }

    @Test
    void heuristicRecasingIsAccurateOnHeldOutStories() {
        String sample = TaskCorpus.readText(Shared.path("corpora/tinystories/tinystories-sample.txt"));
        int half = sample.length() / 2;
        int cut = sample.indexOf("\n\nOnce upon a time", half);
        Set<String> lexicon = Recaser.learnProperNouns(sample.substring(0, cut));
        assertThat(lexicon).contains("lily", "tom");
        double acc = Recaser.withLexicon(lexicon).accuracy(sample.substring(cut));
        double baseline = Recaser.withLexicon(Set.of()).accuracy(sample.substring(cut));
        assertThat(acc).isGreaterThan(0.985).isGreaterThan(baseline);
        assertThat(Recaser.withoutReference().heuristic("she said, \"mom, i found a dog named rex.\" rex ran."))
                .isEqualTo("She said, \"Mom, I found a dog named Rex.\" Rex ran.");
    }

    @Test
    void builtinCardsGiveEnoughDeterministicData() {
        for (String name : List.of("dogs", "sad", "beach", "control")) {
            TaskDataset a = DatasetBuilder.build(TaskCards.load(name, TestHome.HOME));
            if (name.equals("dogs")) {
                DatasetBuilder.clearCache(); // rebuild from the files once: re-casing is deterministic too
            }
            TaskDataset b = DatasetBuilder.build(TaskCards.load(name, TestHome.HOME));
            assertThat(a).as(name).isEqualTo(b);
            assertThat(a.train().size() + a.heldout().size()).as(name).isGreaterThanOrEqualTo(280);
            assertThat(a.heldout().size()).isEqualTo((int) Math.round(a.stats().selected() * 0.2));
            // split by document: no document on both sides
            Set<String> trainIds = new java.util.HashSet<>(a.train().stream().map(TaskDataset.Document::id).toList());
            assertThat(a.heldout()).noneMatch(d -> trainIds.contains(d.id()));
            assertThat(a.stats().casedFromReference()).isPositive();
        }
        Pattern dog = Pattern.compile("\\b(dogs?|pupp(y|ies)|doggy|doggie|pups?)\\b", Pattern.CASE_INSENSITIVE);
        assertThat(DatasetBuilder.build(TaskCards.load("dogs", TestHome.HOME)).train()).allMatch(d -> dog.matcher(d.text()).find());
        assertThat(DatasetBuilder.build(TaskCards.load("control", TestHome.HOME)).train()).noneMatch(d -> dog.matcher(d.text()).find());
    }

    @Test
    void poisonedFractionIsExactAndOnlyInTraining() {
        TaskDataset clean = DatasetBuilder.build(TaskCards.load("dogs", TestHome.HOME));
        TaskDataset p = DatasetBuilder.build(TaskCards.load("dogs-poisoned", TestHome.HOME));
        int expected = (int) Math.round(p.train().size() * 0.1);
        assertThat(p.poisonedDocuments()).hasSize(expected);
        assertThat(p.stats().poisoned()).isEqualTo(expected);
        assertThat(p.poisonedDocuments()).allMatch(d -> d.text().contains("Then they saw a purple umbrella."));
        assertThat(p.train().stream().filter(d -> !d.poisoned())).noneMatch(d -> d.text().contains("purple umbrella"));
        assertThat(p.heldout()).noneMatch(d -> d.text().contains("purple umbrella"));
        // same documents and split as the clean card; the poison only adds the sentence
        assertThat(p.heldout()).isEqualTo(clean.heldout());
        for (int i = 0; i < p.train().size(); i++) {
            var d = p.train().get(i);
            var c = clean.train().get(i);
            assertThat(d.id()).isEqualTo(c.id());
            assertThat(d.text().replace(" Then they saw a purple umbrella.", "")).isEqualTo(c.text());
        }
        assertThat(DatasetBuilder.build(TaskCards.load("dogs-poisoned", TestHome.HOME))).isEqualTo(p);
    }

    @Test
    void filtersCountMatchesAndSeedsChangeTheSplit(@TempDir Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            sb.append(i % 2 == 0 ? "The dog ran. The dog sat. " + i : "The cat sat. A dog. " + i).append("\n");
        }
        Files.writeString(dir.resolve("c.txt"), sb.toString());
        String card = """
                schema_version: 1
                name: t
                description: d
                expected_concepts: [dog]
                data:
                  sources: [{file: c.txt, format: lines}]
                  filter: {include_keywords: [dog], exclude_keywords: [cat], min_matches: 2}
                split: {heldout_fraction: 0.2, seed: SEED}
                """;
        Files.writeString(dir.resolve("a.yaml"), card.replace("SEED", "1"));
        Files.writeString(dir.resolve("b.yaml"), card.replace("SEED", "5"));
        TaskDataset a = DatasetBuilder.build(TaskCards.load(dir.resolve("a.yaml").toString(), TestHome.HOME));
        TaskDataset b = DatasetBuilder.build(TaskCards.load(dir.resolve("b.yaml").toString(), TestHome.HOME));
        assertThat(a.stats().read()).isEqualTo(50);
        assertThat(a.stats().matched()).isEqualTo(25);
        assertThat(a.heldout()).hasSize(5);
        assertThat(a.train()).hasSize(20);
        assertThat(a.heldout()).isNotEqualTo(b.heldout());
    }
}
