package org.isaerft.model.gpt2;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import org.isaerft.model.Tokenizer;

/**
 * A Hugging Face {@code tokenizer.json} run by DJL's Rust tokenizers binding, with truncation,
 * padding and automatic special tokens switched off (DJL otherwise truncates to 512 tokens).
 * BOS/EOS come from the model's config. {@link #tokenString} gives the real text of byte-level
 * tokens (" time", "\n") by inverting the byte-level alphabet of the vocabulary entry; bytes
 * that are not valid UTF-8 on their own are shown as {@code <0xNN>}.
 */
public final class HfTokenizer implements Tokenizer, AutoCloseable {
    private final Path file;
    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;
    private final OptionalInt bos;
    private final OptionalInt eos;
    private final boolean prependsBos;
    private final Map<Integer, String> vocabById = new HashMap<>();
    private final boolean byteLevel;

    /**
     * @param tokenizerJson the {@code tokenizer.json} file
     * @param vocabSize     the model's vocabulary size (ids the model accepts)
     */
    public HfTokenizer(Path tokenizerJson, int vocabSize, int bosId, int eosId, boolean prependsBos) {
        this.file = tokenizerJson;
        this.vocabSize = vocabSize;
        this.bos = bosId >= 0 && bosId < vocabSize ? OptionalInt.of(bosId) : OptionalInt.empty();
        this.eos = eosId >= 0 && eosId < vocabSize ? OptionalInt.of(eosId) : OptionalInt.empty();
        this.prependsBos = prependsBos && bos.isPresent();
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(tokenizerJson.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(tokenizerJson + ": not a readable tokenizer.json: " + e.getMessage(), e);
        }
        if (json == null || !json.path("model").isObject()) {
            throw new IllegalArgumentException(tokenizerJson + ": field 'model' is missing (not a Hugging Face tokenizer.json)");
        }
        // BPE/WordPiece vocabularies are {token: id}; others (Unigram) fall back to decode() in tokenString
        json.get("model").path("vocab").fields().forEachRemaining(e -> vocabById.put(e.getValue().asInt(), e.getKey()));
        json.path("added_tokens").forEach(t -> vocabById.put(t.path("id").asInt(), t.path("content").asText()));
        byteLevel = "ByteLevel".equals(json.path("decoder").path("type").asText());
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson,
                    Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false"));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(tokenizerJson + ": cannot load tokenizer: " + e.getMessage(), e);
        }
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
            if (out[i] >= vocabSize) {
                throw new IllegalStateException(file + ": produced id " + out[i] + " outside the model's vocabulary [0, " + vocabSize + ")");
            }
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] keep = java.util.Arrays.stream(ids)
                .peek(this::requireId)
                .filter(id -> !(bos.isPresent() && id == bos.getAsInt()) && !(eos.isPresent() && id == eos.getAsInt()))
                .asLongStream().toArray();
        return tokenizer.decode(keep, true);
    }

    @Override
    public String tokenString(int id) {
        requireId(id);
        String raw = vocabById.get(id);
        if (raw != null && byteLevel) {
            byte[] bytes = TokenText.byteLevelToBytes(raw);
            if (bytes != null) {
                return TokenText.render(bytes);
            }
        }
        if (raw != null && !byteLevel) {
            // sentencepiece-style vocabularies (Llama): "▁Once" is " Once" (decode() would strip the
            // leading space), "<0x0A>" a byte-fallback piece
            if (raw.length() == 6 && raw.startsWith("<0x") && raw.endsWith(">")) {
                try {
                    return TokenText.render(new byte[] {(byte) Integer.parseInt(raw.substring(3, 5), 16)});
                } catch (NumberFormatException e) {
                    return raw;
                }
            }
            if (raw.indexOf('\u2581') >= 0) {
                return raw.replace('\u2581', ' ');
            }
        }
        return tokenizer.decode(new long[] {id}, false);
    }

    @Override
    public OptionalInt bosId() {
        return bos;
    }

    @Override
    public OptionalInt eosId() {
        return eos;
    }

    @Override
    public boolean prependsBos() {
        return prependsBos;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
