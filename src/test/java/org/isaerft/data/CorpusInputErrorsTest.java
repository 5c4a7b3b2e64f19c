package org.isaerft.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A corpus that cannot give documents fails at the corpus, saying which file, where, and what to do. */
class CorpusInputErrorsTest {
    @TempDir
    Path tmp;

    /** Reads every document of {@code f}. */
    static void readAll(Path f) {
        try (CorpusReader r = CorpusReader.open(f)) {
            while (r.hasNext()) {
                r.next();
            }
        }
    }

    @Test
    void aLatin1FileNamesTheFileTheByteOffsetTheLineAndHowToConvert() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("Once upon a time.\n\nThe end.\n".getBytes(StandardCharsets.US_ASCII));
        int offset = b.size();                 // 28: first byte of line 4
        b.writeBytes("Gr".getBytes(StandardCharsets.US_ASCII));
        b.write(0xFC);                         // 'ü' in Latin-1
        b.writeBytes("n\n".getBytes(StandardCharsets.US_ASCII));
        Path f = tmp.resolve("stories.txt");
        Files.write(f, b.toByteArray());

        assertThatThrownBy(() -> readAll(f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("corpus file " + f)
                .hasMessageContaining("not UTF-8")
                .hasMessageContaining("at byte offset " + (offset + 2) + " (line 4): byte 0xfc")
                .hasMessageContaining("iconv -f latin1 -t utf-8 '" + f + "'")
                .hasMessageNotContaining("Input length");
    }

    @Test
    void theOffsetIsExactAcrossReadBuffersAndMultiByteCharactersAreNotErrors() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] line = "abcdefghijklmnopqrstuvwxyz äöü\n".getBytes(StandardCharsets.UTF_8); // 34 bytes, 3 two-byte chars
        int lines = 0;
        while (b.size() < 70_000) {       // past the 64 KiB read buffer; some 'ä' straddles the boundary
            b.writeBytes(line);
            lines++;
        }
        int offset = b.size();
        b.write(0xE9);
        Path f = tmp.resolve("big.txt");
        Files.write(f, b.toByteArray());

        assertThat(CorpusReader.firstInvalidUtf8(f)).containsExactly(offset, lines + 1, 0xE9);
        Files.write(f, java.util.Arrays.copyOf(b.toByteArray(), offset));
        assertThat(CorpusReader.firstInvalidUtf8(f)).as("valid UTF-8 throughout").isNull();
        // a multi-byte character cut off by the end of the file
        byte[] cut = "ok \u00e4".getBytes(StandardCharsets.UTF_8);
        Files.write(f, java.util.Arrays.copyOf(cut, cut.length - 1));
        assertThat(CorpusReader.firstInvalidUtf8(f)).containsExactly(3, 1, 0xC3);
    }

    @Test
    void aJsonlFileInAnotherEncodingIsReportedTheSameWay() throws Exception {
        byte[] head = "{\"text\": \"fine\"}\n{\"text\": \"caf".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(head);
        b.write(0xE9);
        b.writeBytes("\"}\n".getBytes(StandardCharsets.US_ASCII));
        Path f = tmp.resolve("docs.jsonl");
        Files.write(f, b.toByteArray());
        assertThatThrownBy(() -> readAll(f)).hasMessageContaining("corpus file " + f).hasMessageContaining("at byte offset " + head.length + " (line 2): byte 0xe9");
    }

    @Test
    void anEmptyCorpusIsAnErrorAtTheCorpus() throws Exception {
        Path empty = tmp.resolve("empty.txt");
        Files.writeString(empty, "");
        Path blank = tmp.resolve("blank.txt");
        Files.writeString(blank, "\n   \n\t\n");
        for (Path f : new Path[] {empty, blank}) {
            assertThatThrownBy(() -> readAll(f)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("corpus " + f + " has no documents: the file is empty or holds only blank lines");
        }
        Path dir = tmp.resolve("dir");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("a.txt"), "");
        Files.writeString(dir.resolve("b.jsonl"), "\n\n");
        assertThatThrownBy(() -> CorpusReader.open(dir).hasNext())
                .hasMessageContaining("corpus " + dir + " has no documents: its .txt/.jsonl files are empty");
        assertThatThrownBy(() -> Corpus.builder(empty).build().windows().hasNext())
                .hasMessageContaining("corpus " + empty + " has no documents");
    }

    @Test
    void aCorpusWithoutTokensOrWithoutDocumentsInTheChosenPartIsAnError() throws Exception {
        Path f = tmp.resolve("ids.jsonl");
        Files.writeString(f, "[]\n{\"tokens\": []}\n");
        var docs = Corpus.builder(f).build().documents();
        assertThatThrownBy(() -> docs.forEachRemaining(d -> assertThat(d.tokens()).isEmpty()))
                .as("found out when the documents run out").hasMessage("corpus " + f + " has no tokens: its 2 documents are all empty");

        Path g = tmp.resolve("one.jsonl");
        Files.writeString(g, "[1, 2, 3]\n");
        assertThat(Corpus.builder(g).build().documents().next().tokens()).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> Corpus.builder(g).split(new DocumentSplit(0, 1), DocumentSplit.Part.HELD_OUT).build().documents().hasNext())
                .hasMessageContaining("corpus " + g + " has no documents in its held_out part");
    }
}
