package org.isaerft.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.isaerft.tensor.TensorFormatException;
import org.isaerft.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cTokenizerTest {
    static final Path TOK = Shared.path("models/stories260K/tok512.bin");

    static Llama2cTokenizer tok() {
        return Llama2cTokenizer.load(TOK, 512);
    }

    @Test
    void encodesTheKnownPrompt() {
        Llama2cTokenizer t = tok();
        assertThat(t.encode("Once upon a time", true)).containsExactly(1, 403, 407, 261, 378);
        assertThat(t.encode("Once upon a time")).containsExactly(403, 407, 261, 378);
        assertThat(t.tokenString(403)).isEqualTo(" Once");
        assertThat(t.tokenString(13)).isEqualTo("\n");
        assertThat(t.tokenString(0xE2 + 3)).isEqualTo("<0xE2>");
        assertThat(t.tokenString(1)).isEqualTo("<s>");
        assertThat(t.bosId()).hasValue(1);
        assertThat(t.eosId()).hasValue(2);
        assertThat(t.prependsBos()).isTrue();
        assertThat(t.encode("")).isEmpty();
    }

    @Test
    void decodeStripsTheSpaceAfterBosAndRoundTrips() {
        Llama2cTokenizer t = tok();
        String text = "Once upon a time, there was a little girl named Lily.\nShe loved to play outside.";
        assertThat(t.decode(t.encode(text, true))).isEqualTo(text);
        // without BOS the dummy-prefix space stays (run.c only strips it after BOS)
        assertThat(t.decode(t.encode("Hi"))).isEqualTo(" Hi");
        assertThat(t.decode(new int[] {1, 403, 2})).isEqualTo("Once");
    }

    @Test
    void nonAsciiRoundTripsThroughByteFallback() {
        Llama2cTokenizer t = tok();
        String text = "café ☃ 日本 🙂";
        int[] ids = t.encode(text, true);
        assertThat(t.decode(ids)).isEqualTo(text);
        // the snowman (E2 98 83) is not a piece: it must appear as its three byte tokens, in order
        int[] snowman = {0xE2 + 3, 0x98 + 3, 0x83 + 3};
        assertThat(indexOf(ids, snowman)).as("byte-fallback ids of ☃ in %s", Arrays.toString(ids)).isGreaterThan(0);
        // byte pieces split across separately decoded runs still assemble when decoded together
        assertThat(t.decode(snowman)).isEqualTo("☃");
        assertThat(t.decode(new int[] {0xE2 + 3, 0x98 + 3})).isEqualTo("\uFFFD"); // incomplete UTF-8 → replacement
    }

    @Test
    void matchesALiteralTranscriptionOfRunCOnCorpusText() throws Exception {
        Llama2cTokenizer t = tok();
        String corpus = Files.readString(Shared.path("corpora/tinystories/tinystories-sample.txt"));
        String[] stories = corpus.split("\n\n");
        int checked = 0;
        for (int i = 0; i < stories.length && checked < 40; i++) {
            if (stories[i].isBlank()) {
                continue;
            }
            String s = stories[i] + " naïve ☃"; // force some byte fallback too
            assertThat(t.encode(s, true)).as("story %d", i).containsExactly(runCEncode(t, s));
            checked++;
        }
        assertThat(checked).isEqualTo(40);
    }

    @Test
    void rejectsTruncatedAndMismatchedFiles(@TempDir Path dir) throws Exception {
        byte[] all = Files.readAllBytes(TOK);
        Path cut = dir.resolve("tok_cut.bin");
        Files.write(cut, Arrays.copyOf(all, all.length - 10));
        assertThatThrownBy(() -> Llama2cTokenizer.load(cut, 512))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("tok_cut.bin")
                .hasMessageContaining("token 511");
        assertThatThrownBy(() -> Llama2cTokenizer.load(TOK, 500))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("bytes left after 500 tokens");
        assertThatThrownBy(() -> tok().decode(new int[] {512}))
                .hasMessageContaining("token id 512 out of range");
    }

    /** run.c's encode(), transcribed literally: O(n²) scan, strict '>' on scores. */
    static int[] runCEncode(Llama2cTokenizer t, String text) {
        int n = t.vocabSize();
        List<String> vocab = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            vocab.add(new String(t.pieceBytes(i), StandardCharsets.ISO_8859_1));
        }
        List<Integer> tokens = new ArrayList<>();
        tokens.add(1);
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0) {
            tokens.add(vocab.indexOf(" "));
        }
        StringBuilder buf = new StringBuilder();
        for (int c = 0; c < b.length; c++) {
            if ((b[c] & 0xC0) != 0x80) {
                buf.setLength(0);
            }
            buf.append((char) (b[c] & 0xff));
            if (c + 1 < b.length && (b[c + 1] & 0xC0) == 0x80 && buf.length() < 4) {
                continue;
            }
            int id = vocab.indexOf(buf.toString());
            if (id != -1) {
                tokens.add(id);
            } else {
                for (int i = 0; i < buf.length(); i++) {
                    tokens.add(buf.charAt(i) + 3);
                }
            }
            buf.setLength(0);
        }
        while (true) {
            float best = -1e10f;
            int bestId = -1;
            int bestIdx = -1;
            for (int i = 0; i < tokens.size() - 1; i++) {
                int id = vocab.indexOf(vocab.get(tokens.get(i)) + vocab.get(tokens.get(i + 1)));
                if (id != -1 && t.score(id) > best) {
                    best = t.score(id);
                    bestId = id;
                    bestIdx = i;
                }
            }
            if (bestIdx == -1) {
                break;
            }
            tokens.set(bestIdx, bestId);
            tokens.remove(bestIdx + 1);
        }
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int indexOf(int[] hay, int[] needle) {
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(Arrays.copyOfRange(hay, i, i + needle.length), needle)) {
                return i;
            }
        }
        return -1;
    }
}
