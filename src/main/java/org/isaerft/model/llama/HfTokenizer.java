package org.isaerft.model.llama;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import org.isaerft.model.Tokenizer;

/**
 * A Hugging Face {@code tokenizer.json} run by DJL's tokenizers binding (no truncation, no padding,
 * no special tokens added by {@link #encode(String)}). Token display strings come from the file's
 * vocabulary: sentencepiece {@code ▁} shown as a space, byte-level BPE characters mapped back to
 * bytes, {@code <0xXX>} pieces shown as the character when ASCII.
 */
public final class HfTokenizer implements Tokenizer, AutoCloseable {
    private final Path file;
    private final HuggingFaceTokenizer tokenizer;
    private final String[] vocab;
    private final boolean byteLevel;
    private final OptionalInt bos;
    private final OptionalInt eos;

    private HfTokenizer(Path file, HuggingFaceTokenizer tokenizer, String[] vocab, boolean byteLevel, OptionalInt bos,
            OptionalInt eos) {
        this.file = file;
        this.tokenizer = tokenizer;
        this.vocab = vocab;
        this.byteLevel = byteLevel;
        this.bos = bos;
        this.eos = eos;
    }

    /** Loads {@code tokenizer.json}; BOS/EOS ids come from the model's config (absent if unknown). */
    public static HfTokenizer load(Path tokenizerJson, OptionalInt bos, OptionalInt eos) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(tokenizerJson.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(tokenizerJson + ": cannot read tokenizer.json: " + e.getMessage(), e);
        }
        if (root == null || !root.has("model") || !root.get("model").has("vocab")) {
            throw new IllegalArgumentException(tokenizerJson + ": not a tokenizer.json (no model.vocab)");
        }
        Map<Integer, String> byId = new HashMap<>();
        JsonNode v = root.get("model").get("vocab");
        if (v.isObject()) {
            v.fields().forEachRemaining(en -> byId.put(en.getValue().asInt(), en.getKey()));
        } else if (v.isArray()) { // Unigram: [[piece, score], ...]
            for (int i = 0; i < v.size(); i++) {
                byId.put(i, v.get(i).get(0).asText());
            }
        }
        if (root.has("added_tokens")) {
            for (JsonNode t : root.get("added_tokens")) {
                byId.put(t.get("id").asInt(), t.get("content").asText());
            }
        }
        int size = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        if (size <= 0) {
            throw new IllegalArgumentException(tokenizerJson + ": empty vocabulary");
        }
        String[] vocab = new String[size];
        byId.forEach((id, s) -> vocab[id] = s);
        boolean byteLevel = root.toString().contains("\"ByteLevel\"");
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.newInstance(tokenizerJson,
                    Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false"));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(tokenizerJson + ": the tokenizers library cannot load it: " + e.getMessage(), e);
        }
        return new HfTokenizer(tokenizerJson, tok, vocab, byteLevel, bos, eos);
    }

    public Path file() {
        return file;
    }

    @Override
    public int vocabSize() {
        return vocab.length;
    }

    @Override
    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            checkId(ids[i]);
            l[i] = ids[i];
        }
        return tokenizer.decode(l, true);
    }

    @Override
    public String tokenString(int id) {
        checkId(id);
        String s = vocab[id];
        if (s == null) {
            return "<id " + id + ">";
        }
        if (s.length() == 6 && s.startsWith("<0x") && s.endsWith(">")) {
            try {
                int b = Integer.parseInt(s.substring(3, 5), 16);
                return b < 0x80 ? String.valueOf((char) b) : s;
            } catch (NumberFormatException e) {
                return s;
            }
        }
        if (byteLevel) {
            byte[] bytes = new byte[s.length()];
            for (int i = 0; i < s.length(); i++) {
                int b = UNICODE_TO_BYTE.getOrDefault(s.charAt(i), -1);
                if (b < 0) {
                    return s; // an added/special token, not byte-level encoded
                }
                bytes[i] = (byte) b;
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return s.replace('\u2581', ' ');
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
        return bos.isPresent();
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private void checkId(int id) {
        if (id < 0 || id >= vocab.length) {
            throw new IllegalArgumentException("token id " + id + " out of range for " + file + " (vocab size " + vocab.length + ")");
        }
    }

    /** Inverse of GPT-2's bytes_to_unicode table. */
    private static final Map<Character, Integer> UNICODE_TO_BYTE = new HashMap<>();

    static {
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            UNICODE_TO_BYTE.put(c, b);
        }
    }

    /** True if {@code dir} holds a tokenizer.json. */
    static boolean present(Path dir) {
        return Files.isRegularFile(dir.resolve("tokenizer.json"));
    }
}
