package org.isaerft.model.gpt2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.isaerft.model.Tokenizer;
import org.isaerft.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three GPT-2 tokenizers and how a directory picks one. */
class Gpt2TokenizerTest {
    @TempDir
    Path tmp;

    // ---- GPT-2 BPE (jtokkit r50k_base) ----

    @Test
    void gpt2BpeKnownIds() {
        Gpt2BpeTokenizer tok = new Gpt2BpeTokenizer();
        // ids from OpenAI's GPT-2 encoder.json
        assertThat(tok.encode("Hello world")).containsExactly(15496, 995);
        assertThat(tok.encode(" time")).containsExactly(640);
        assertThat(tok.encode("\n")).containsExactly(198);
        assertThat(tok.vocabSize()).isEqualTo(50257);
    }

    @Test
    void gpt2BpeRoundTripsText() {
        Gpt2BpeTokenizer tok = new Gpt2BpeTokenizer();
        for (String s : List.of("Hello world", "Once upon a time, there was a cat.\n\n  Indented",
                "naïve café — 日本語 🙂", "")) {
            assertThat(tok.decode(tok.encode(s))).isEqualTo(s);
        }
    }

    @Test
    void gpt2BpeTokenStringsAreRealText() {
        Gpt2BpeTokenizer tok = new Gpt2BpeTokenizer();
        assertThat(tok.tokenString(198)).isEqualTo("\n");
        assertThat(tok.tokenString(640)).isEqualTo(" time");
        assertThat(tok.tokenString(15496)).isEqualTo("Hello");
        assertThat(tok.tokenString(220)).isEqualTo(" ");
        // id 158 is the lone byte 0xE2 (a UTF-8 lead byte): not text on its own
        assertThat(tok.tokenString(158)).isEqualTo("<0xE2>");
        assertThat(tok.tokenString(50256)).isEqualTo("<|endoftext|>");
        assertThatThrownBy(() -> tok.tokenString(50257)).hasMessageContaining("50257");
    }

    @Test
    void gpt2BpeSpecialToken() {
        Gpt2BpeTokenizer tok = new Gpt2BpeTokenizer();
        assertThat(tok.bosId()).hasValue(50256);
        assertThat(tok.eosId()).hasValue(50256);
        assertThat(tok.prependsBos()).isTrue();
        assertThat(tok.encode("Hello world", true)).containsExactly(50256, 15496, 995);
        assertThat(tok.encode("Hello<|endoftext|> world")).containsExactly(15496, 50256, 995);
        assertThat(tok.decode(new int[] {50256, 15496, 995, 50256})).isEqualTo("Hello world");
    }

    // ---- ids as text ----

    @Test
    void idTokenizerTextIsTheIds() {
        IdTokenizer tok = new IdTokenizer(1000, 999, 999, true);
        assertThat(tok.encode("977 3 481")).containsExactly(977, 3, 481);
        assertThat(tok.encode(" 977,3\n481 ")).containsExactly(977, 3, 481);
        assertThat(tok.encode("")).isEmpty();
        assertThat(tok.decode(new int[] {977, 3, 481})).isEqualTo("977 3 481");
        assertThat(tok.decode(new int[] {999, 977, 999})).isEqualTo("977");
        assertThat(tok.tokenString(481)).isEqualTo("481");
        assertThat(tok.encode("5", true)).containsExactly(999, 5);
        assertThatThrownBy(() -> tok.encode("hello world")).hasMessageContaining("'hello'")
                .hasMessageContaining("space-separated token ids");
        assertThatThrownBy(() -> tok.encode("1000")).hasMessageContaining("token id 1000");
        IdTokenizer noBos = new IdTokenizer(10, 50256, 50256, true);
        assertThat(noBos.bosId()).isEmpty();
        assertThat(noBos.prependsBos()).isFalse();
    }

    // ---- tokenizer.json through DJL ----

    /**
     * A small byte-level BPE tokenizer.json in GPT-2's layout: ids 0..255 are the 256 bytes in
     * GPT-2's order (so single-byte ids equal GPT-2's), then merges building " world".
     */
    Path writeTokenizerJson(Path dir) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode eot = added.addObject();
        eot.put("id", 261).put("content", "<|endoftext|>").put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", true).put("special", true);
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", true);
        root.putNull("post_processor");
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").putNull("unk_token");
        model.put("continuing_subword_prefix", "").put("end_of_word_suffix", "").put("fuse_unk", false).put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        List<Integer> order = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
                order.add(b);
            }
        }
        for (int b = 0; b < 256; b++) {
            if (!order.contains(b)) {
                order.add(b);
            }
        }
        // GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to 256 + k
        for (int id = 0; id < 256; id++) {
            int b = order.get(id);
            int cp = id < 188 ? b : 256 + (id - 188);
            vocab.put(new String(Character.toChars(cp)), id);
        }
        String[][] merges = {{"Ġ", "w"}, {"o", "r"}, {"Ġw", "or"}, {"l", "d"}, {"Ġwor", "ld"}};
        ArrayNode m = model.putArray("merges");
        int id = 256;
        for (String[] mg : merges) {
            m.add(mg[0] + " " + mg[1]);
            vocab.put(mg[0] + mg[1], id++);
        }
        Path file = dir.resolve("tokenizer.json");
        om.writeValue(file.toFile(), root);
        return file;
    }

    @Test
    void hfTokenizerJson() throws Exception {
        Path file = writeTokenizerJson(tmp);
        try (HfTokenizer tok = new HfTokenizer(file, 262, 261, 261, true)) {
            // H e l l o are GPT-2 ids 39 68 75 75 78; " world" is merge 260; "\n" is 198 as in GPT-2
            int[] ids = tok.encode("Hello world\n");
            assertThat(ids).containsExactly(39, 68, 75, 75, 78, 260, 198);
            assertThat(tok.decode(ids)).isEqualTo("Hello world\n");
            assertThat(tok.encode("Hello world\n", true)).startsWith(261);
            assertThat(tok.encode("o<|endoftext|>")).containsExactly(78, 261);
            assertThat(tok.decode(new int[] {261, 260, 261})).isEqualTo(" world");
            assertThat(tok.tokenString(260)).isEqualTo(" world");
            assertThat(tok.tokenString(198)).isEqualTo("\n");
            assertThat(tok.tokenString(158)).isEqualTo("<0xE2>");
            assertThat(tok.tokenString(261)).isEqualTo("<|endoftext|>");
            // no 512-token truncation
            String longText = " world".repeat(700);
            assertThat(tok.encode(longText)).hasSize(700);
        }
    }

    // ---- which tokenizer a directory gets ----

    @Test
    void directoryPicksTokenizer() throws Exception {
        Gpt2Config tiny = Gpt2Config.read(Shared.path("fixtures/gpt2-tiny/config.json"));
        assertThat(Gpt2Tokenizers.forDirectory(Shared.path("fixtures/gpt2-tiny"), tiny)).isInstanceOf(IdTokenizer.class);
        Gpt2Config full = new Gpt2Config(64, 1, 4, 256, 64, 50257, 1e-5, true, 50256, 50256);
        assertThat(Gpt2Tokenizers.forDirectory(tmp, full)).isInstanceOf(Gpt2BpeTokenizer.class);
        writeTokenizerJson(tmp);
        Gpt2Config small = new Gpt2Config(64, 1, 4, 256, 64, 262, 1e-5, true, 261, 261);
        Tokenizer t = Gpt2Tokenizers.forDirectory(tmp, small);
        assertThat(t).isInstanceOf(HfTokenizer.class);
        assertThat(t.bosId()).hasValue(261);
        ((HfTokenizer) t).close();
    }
}
