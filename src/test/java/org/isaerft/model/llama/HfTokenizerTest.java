package org.isaerft.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.model.gpt2.HfTokenizer;
import org.isaerft.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokenizer.json path: tok512.bin converted the way HF's LlamaConverter converts a
 * sentencepiece BPE model (▁ for spaces, a prepended ▁, byte fallback, merges ranked by the merged
 * piece's score) and run through {@link HfTokenizer} (DJL's binding of the Rust tokenizers library)
 * must tokenize like llama2.c's run.c.
 */
class HfTokenizerTest {
    static final Llama2cTokenizer TOK = Llama2cTokenizerTest.tok();

    /** Writes tokenizer.json in the layout HF's LlamaConverter produces. */
    static Path writeTokenizerJson(Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, Integer> vocab = new LinkedHashMap<>();
        String[] special = {"<unk>", "<s>", "</s>"};
        for (int i = 0; i < TOK.vocabSize(); i++) {
            String piece = i < 3 ? special[i] : new String(TOK.pieceBytes(i), StandardCharsets.UTF_8).replace(' ', '\u2581');
            vocab.putIfAbsent(piece, i);
        }
        record Merge(String left, String right, float score, int leftId, int rightId) {}
        List<Merge> merges = new ArrayList<>();
        for (var e : vocab.entrySet()) {
            String piece = e.getKey();
            if (e.getValue() < 3 + 256) {
                continue;
            }
            List<Merge> local = new ArrayList<>();
            for (int k = 1; k < piece.length(); k++) {
                String l = piece.substring(0, k);
                String r = piece.substring(k);
                if (vocab.containsKey(l) && vocab.containsKey(r)) {
                    local.add(new Merge(l, r, TOK.score(e.getValue()), vocab.get(l), vocab.get(r)));
                }
            }
            local.sort((a, b) -> a.leftId() != b.leftId() ? Integer.compare(a.leftId(), b.leftId())
                    : Integer.compare(a.rightId(), b.rightId()));
            merges.addAll(local);
        }
        merges.sort((a, b) -> Float.compare(b.score(), a.score())); // stable: highest score = rank 0

        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < 3; i++) {
            added.addObject().put("id", i).put("content", special[i]).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        ObjectNode norm = root.putObject("normalizer").put("type", "Sequence");
        ArrayNode norms = norm.putArray("normalizers");
        norms.addObject().put("type", "Prepend").put("prepend", "\u2581");
        ObjectNode replace = norms.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", "\u2581");
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");
        ObjectNode dec = root.putObject("decoder").put("type", "Sequence");
        ArrayNode decs = dec.putArray("decoders");
        ObjectNode rep = decs.addObject().put("type", "Replace");
        rep.putObject("pattern").put("String", "\u2581");
        rep.put("content", " ");
        decs.addObject().put("type", "ByteFallback");
        decs.addObject().put("type", "Fuse");
        decs.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        ObjectNode model = root.putObject("model").put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", "<unk>");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true).put("byte_fallback", true).put("ignore_merges", false);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode m = model.putArray("merges");
        for (Merge mg : merges) {
            m.addArray().add(mg.left()).add(mg.right());
        }
        Path file = dir.resolve("tokenizer.json");
        json.writeValue(file.toFile(), root);
        return file;
    }

    @Test
    void tokenizerJsonEncodesLikeRunC(@TempDir Path dir) throws Exception {
        try (HfTokenizer hf = new HfTokenizer(writeTokenizerJson(dir), 512, 1, 2, true)) {
            assertThat(hf.vocabSize()).isEqualTo(512);
            assertThat(hf.encode("Once upon a time")).containsExactly(403, 407, 261, 378);
            assertThat(hf.encode("Once upon a time", true)).containsExactly(1, 403, 407, 261, 378);
            assertThat(hf.tokenString(403)).isEqualTo(" Once");
            assertThat(hf.tokenString(13)).isEqualTo("\n");
            assertThat(hf.tokenString(1)).isEqualTo("<s>");
            assertThat(hf.decode(new int[] {1, 403, 407, 261, 378, 2})).isEqualTo("Once upon a time");
            String text = "café ☃ naïve";
            assertThat(hf.encode(text)).containsExactly(TOK.encode(text));
            assertThat(hf.decode(hf.encode(text))).isEqualTo(text);
            String corpus = Files.readString(Shared.path("corpora/tinystories/tinystories-sample.txt"));
            String[] stories = corpus.split("\n\n");
            for (int i = 0; i < 200 && i < stories.length; i++) {
                assertThat(hf.encode(stories[i])).as("story %d", i).containsExactly(TOK.encode(stories[i]));
            }
            assertThatThrownBy(() -> hf.tokenString(512)).hasMessageContaining("token id 512 is outside the vocabulary");
        }
    }

    @Test
    void hfDirectoryPrefersTokenizerJson(@TempDir Path dir) throws Exception {
        HfLlamaTest.writeHf(Llama2cCheckpoint.load(HfLlamaTest.DIR.resolve("stories260K.bin")), dir, true, Map.of());
        Files.delete(dir.resolve("tok512.bin"));
        writeTokenizerJson(dir);
        try (NDManager root = NDManager.newBaseManager(); LlamaModel m = LlamaLoader.loadHf(dir, root)) {
            assertThat(m.tokenizer()).isInstanceOf(HfTokenizer.class);
            assertThat(m.tokenizer().bosId()).hasValue(1);
            assertThat(m.tokenizer().eosId()).hasValue(2);
            assertThat(m.tokenizer().encode("Once upon a time", true)).containsExactly(1, 403, 407, 261, 378);
        }
    }
}
