package org.isaerft.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import org.isaerft.model.Tokenizer;
import org.isaerft.testing.Shared;
import org.isaerft.testing.TestTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusTest {
    /** One id per char (char code + 2, capped at 299), BOS = 1, EOS = 0. */
    static Tokenizer chars(boolean prependsBos) {
        return TestTokenizer.of(300, TestTokenizer.perChar(c -> Math.min(c, 297) + 2),
                id -> id < 2 ? "<s" + id + ">" : String.valueOf((char) (id - 2))).withBos(1, prependsBos).withEos(0);
    }

    @TempDir
    Path tmp;

    static List<RawDocument> readAll(Path p) {
        List<RawDocument> out = new ArrayList<>();
        try (CorpusReader r = CorpusReader.open(p)) {
            r.forEachRemaining(out::add);
        }
        return out;
    }

    static <T> List<T> list(Iterator<T> it) {
        List<T> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void plainTextSplitsOnBlankLines() throws IOException {
        Path f = tmp.resolve("a.txt");
        Files.writeString(f, "\n\nfirst line\nsecond line\n\n\n   \nthird\n\t\nfourth\nfifth");
        List<RawDocument> docs = readAll(f);
        assertThat(docs).extracting(RawDocument::text).containsExactly("first line\nsecond line", "third", "fourth\nfifth");
        assertThat(docs).extracting(RawDocument::index).containsExactly(0L, 1L, 2L);
        assertThat(docs.get(1).source()).endsWith("a.txt:8");
    }

    @Test
    void tinyStoriesSampleSplitsIntoItsParagraphs() throws IOException {
        Path f = Shared.path("corpora/tinystories/tinystories-sample.txt");
        List<RawDocument> docs = readAll(f);
        // independent count: blocks of non-blank lines
        List<String> lines = Files.readAllLines(f);
        int blocks = 0;
        boolean in = false;
        for (String l : lines) {
            if (!l.isBlank() && !in) {
                blocks++;
            }
            in = !l.isBlank();
        }
        assertThat(docs).hasSize(blocks);
        assertThat(docs.get(0).text()).startsWith("One day, a little girl named Lily found a needle in her room.");
        assertThat(docs.get(1).text()).startsWith("Lily went to her mom and said,");
        assertThat(docs.get(3).text()).startsWith("Once upon a time, there was a little car named Beep.");
    }

    @Test
    void jsonlTextAndPretokenisedLines() throws IOException {
        Path f = tmp.resolve("c.jsonl");
        Files.writeString(f, "{\"text\": \"hello\", \"meta\": 1}\n\n[5, 6, 7]\n{\"tokens\": [1, 2]}\n{\"input_ids\": [9]}\n");
        List<RawDocument> docs = readAll(f);
        assertThat(docs).hasSize(4);
        assertThat(docs.get(0).text()).isEqualTo("hello");
        assertThat(docs.get(1).tokens()).containsExactly(5, 6, 7);
        assertThat(docs.get(2).tokens()).containsExactly(1, 2);
        assertThat(docs.get(3).tokens()).containsExactly(9);
        assertThat(docs.get(1).source()).endsWith("c.jsonl:3");
    }

    @Test
    void badJsonlLineIsNamed() throws IOException {
        Path f = tmp.resolve("bad.jsonl");
        Files.writeString(f, "{\"text\": \"ok\"}\n{\"body\": \"no text\"}\n");
        assertThatThrownBy(() -> readAll(f)).hasMessageContaining("bad.jsonl:2").hasMessageContaining("'text'");
        Files.writeString(f, "[1, -2]\n");
        assertThatThrownBy(() -> readAll(f)).hasMessageContaining("bad.jsonl:1").hasMessageContaining("token 1");
    }

    @Test
    void directoryReadsFilesInNameOrderWithRunningIndices() throws IOException {
        Path d = tmp.resolve("dir");
        Files.createDirectories(d);
        Files.writeString(d.resolve("b.jsonl"), "{\"text\": \"from b\"}\n");
        Files.writeString(d.resolve("a.txt"), "from a 1\n\nfrom a 2\n");
        Files.writeString(d.resolve("ignored.csv"), "x,y\n");
        List<RawDocument> docs = readAll(d);
        assertThat(docs).extracting(RawDocument::text).containsExactly("from a 1", "from a 2", "from b");
        assertThat(docs).extracting(RawDocument::index).containsExactly(0L, 1L, 2L);
    }

    @Test
    void bosIsPrependedOnlyWhenTheModelDoes() {
        RawDocument d = new RawDocument(0, "x", "ab", null);
        assertThat(Corpus.tokenize(d, chars(true)).tokens()).containsExactly(1, 'a' + 2, 'b' + 2);
        assertThat(Corpus.tokenize(d, chars(false)).tokens()).containsExactly('a' + 2, 'b' + 2);
        RawDocument pre = new RawDocument(1, "y", null, new int[] {7, 8});
        assertThat(Corpus.tokenize(pre, chars(true)).tokens()).containsExactly(7, 8);
        RawDocument out = new RawDocument(2, "z", null, new int[] {7, 300});
        assertThatThrownBy(() -> Corpus.tokenize(out, chars(true))).hasMessageContaining("300").hasMessageContaining("z");
    }

    @Test
    void windowsRecordDocumentAndOffsetOfTheirFirstToken() {
        List<TokenizedDocument> docs = List.of(
                new TokenizedDocument(0, "d0", new int[] {10, 11, 12, 13, 14}),
                new TokenizedDocument(1, "d1", new int[] {20, 21, 22}),
                new TokenizedDocument(2, "d2", new int[] {30, 31, 32, 33, 34, 35, 36}));
        List<Window> w = list(new WindowPacker(docs.iterator(), 4));
        assertThat(w).hasSize(3); // 15 tokens → 3 full windows, 3 left over are dropped
        assertThat(w.get(0).tokens()).containsExactly(10, 11, 12, 13);
        assertThat(w.get(1).tokens()).containsExactly(14, 20, 21, 22);
        assertThat(w.get(2).tokens()).containsExactly(30, 31, 32, 33);
        assertThat(w).extracting(Window::document).containsExactly(0L, 0L, 2L);
        assertThat(w).extracting(Window::offset).containsExactly(0, 4, 0);
    }

    @Test
    void windowOffsetsPointBackIntoTheirDocuments() throws IOException {
        Path f = tmp.resolve("s.txt");
        Files.writeString(f, "the quick brown fox\n\njumps over\n\nthe lazy dog and runs away quickly");
        Corpus c = Corpus.builder(f).tokenizer(chars(true)).seqLen(5).batchSize(2).build();
        List<TokenizedDocument> docs = list(c.documents());
        assertThat(docs.get(0).tokens()[0]).isEqualTo(1); // BOS
        for (Window w : list(c.windows())) {
            int[] doc = docs.get((int) w.document()).tokens();
            assertThat(w.tokens()[0]).isEqualTo(doc[w.offset()]);
        }
        List<Batch> batches = list(c.batches());
        long total = docs.stream().mapToLong(d -> d.tokens().length).sum();
        assertThat(batches.stream().mapToLong(Batch::tokenCount).sum()).isEqualTo(total / 5 * 5);
        assertThat(batches.get(0).size()).isEqualTo(2);
    }

    @Test
    void shuffleIsASeededPermutation() {
        List<Integer> src = IntStream.range(0, 100).boxed().toList();
        List<Integer> a = list(new Shuffle<>(src.iterator(), 16, 7));
        List<Integer> b = list(new Shuffle<>(src.iterator(), 16, 7));
        List<Integer> c = list(new Shuffle<>(src.iterator(), 16, 8));
        assertThat(a).isEqualTo(b).isNotEqualTo(src).isNotEqualTo(c);
        assertThat(a).containsExactlyInAnyOrderElementsOf(src);
        List<Integer> full = list(new Shuffle<>(src.iterator(), 1000, 1));
        assertThat(full).containsExactlyInAnyOrderElementsOf(src).isNotEqualTo(src);
    }

    @Test
    void heldOutSplitIsDeterministicDisjointAndSized() {
        DocumentSplit s = new DocumentSplit(0.25, 42);
        int held = 0;
        for (long i = 0; i < 10_000; i++) {
            boolean h = s.isHeldOut(i);
            assertThat(new DocumentSplit(0.25, 42).isHeldOut(i)).isEqualTo(h);
            assertThat(s.keeps(DocumentSplit.Part.TRAIN, i)).isNotEqualTo(s.keeps(DocumentSplit.Part.HELD_OUT, i));
            held += h ? 1 : 0;
        }
        assertThat(held).isBetween(2350, 2650);
        HashSet<Long> other = new HashSet<>();
        for (long i = 0; i < 10_000; i++) {
            if (new DocumentSplit(0.25, 43).isHeldOut(i)) {
                other.add(i);
            }
        }
        long same = other.stream().filter(s::isHeldOut).count();
        assertThat(same).isLessThan(other.size()); // another seed picks other documents
    }

    @Test
    void corpusHeldOutPartHasOnlyHeldOutDocuments() throws IOException {
        Path f = tmp.resolve("many.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            sb.append("{\"text\": \"document number ").append(i).append("\"}\n");
        }
        Files.writeString(f, sb.toString());
        DocumentSplit split = new DocumentSplit(0.3, 5);
        Corpus held = Corpus.builder(f).tokenizer(chars(true)).split(split, DocumentSplit.Part.HELD_OUT).build();
        Corpus train = Corpus.builder(f).tokenizer(chars(true)).split(split, DocumentSplit.Part.TRAIN).build();
        List<Long> h = list(held.documents()).stream().map(TokenizedDocument::index).toList();
        List<Long> t = list(train.documents()).stream().map(TokenizedDocument::index).toList();
        assertThat(h).allMatch(split::isHeldOut).isNotEmpty();
        assertThat(t).noneMatch(split::isHeldOut);
        assertThat(h.size() + t.size()).isEqualTo(200);
    }
}
