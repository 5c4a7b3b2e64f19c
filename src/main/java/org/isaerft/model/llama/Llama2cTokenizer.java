package org.isaerft.model.llama;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.PriorityQueue;
import org.isaerft.model.Tokenizer;
import org.isaerft.tensor.TensorFormatException;

/**
 * The sentencepiece-style tokenizer of llama2.c ({@code tok512.bin}, {@code tokenizer.bin}),
 * encoding and decoding exactly as llama2.c's {@code run.c} does.
 *
 * <p>File format: int32 {@code max_token_length}; then per token: float32 merge score, int32 byte
 * length, the bytes. Ids 0/1/2 are {@code <unk>}/BOS/EOS, 3..258 the byte-fallback pieces
 * {@code <0x00>}..{@code <0xFF>}.
 *
 * <p>Encoding: a dummy-prefix piece {@code " "} (for non-empty text), then one piece per UTF-8
 * code point (its vocabulary id, or else one byte-fallback id {@code byte + 3} per byte), then
 * repeatedly merge the adjacent pair whose concatenation has the highest score (leftmost on ties)
 * until no pair is in the vocabulary. Decoding: special tokens dropped, a leading space right after
 * BOS stripped, {@code <0xXX>} pieces become raw bytes, and the bytes are read as UTF-8.
 */
public final class Llama2cTokenizer implements Tokenizer {
    public static final int UNK = 0;
    public static final int BOS = 1;
    public static final int EOS = 2;

    private final Path source;
    private final byte[][] pieces;
    private final float[] scores;
    /** Piece bytes as ISO-8859-1 strings (one char per byte) → id. */
    private final Map<String, Integer> lookup;
    /** Raw byte value of each byte-fallback piece, or -1. */
    private final int[] byteValue;
    private final int maxTokenLength;

    private Llama2cTokenizer(Path source, byte[][] pieces, float[] scores, int maxTokenLength) {
        this.source = source;
        this.pieces = pieces;
        this.scores = scores;
        this.maxTokenLength = maxTokenLength;
        this.lookup = new HashMap<>(pieces.length * 2);
        this.byteValue = new int[pieces.length];
        for (int i = 0; i < pieces.length; i++) {
            // run.c binary-searches a sorted copy; with duplicate pieces the first id is the natural choice
            lookup.putIfAbsent(key(pieces[i]), i);
            byteValue[i] = parseBytePiece(pieces[i]);
        }
    }

    /**
     * Reads a llama2.c tokenizer file holding exactly {@code vocabSize} tokens (the count is not in
     * the file; it is the model's vocab size).
     */
    public static Llama2cTokenizer load(Path file, int vocabSize) {
        if (vocabSize <= 3) {
            throw new IllegalArgumentException(file + ": vocab size must be > 3 (unk, BOS, EOS, ...), found " + vocabSize);
        }
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TensorFormatException(file + ": tokenizer file not found", e);
        } catch (IOException e) {
            throw new TensorFormatException(file + ": cannot read tokenizer: " + e.getMessage(), e);
        }
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 4) {
            throw new TensorFormatException(file + ": truncated tokenizer: " + all.length + " bytes, need at least 4 for max_token_length");
        }
        int maxLen = b.getInt();
        if (maxLen <= 0) {
            throw new TensorFormatException(file + ": max_token_length must be positive, found " + maxLen);
        }
        byte[][] pieces = new byte[vocabSize][];
        float[] scores = new float[vocabSize];
        for (int i = 0; i < vocabSize; i++) {
            if (b.remaining() < 8) {
                throw new TensorFormatException(file + ": truncated tokenizer: token " + i + " of " + vocabSize
                        + " starts at byte " + b.position() + " but the file has " + all.length + " bytes");
            }
            scores[i] = b.getFloat();
            int len = b.getInt();
            if (len < 0 || len > b.remaining()) {
                throw new TensorFormatException(file + ": token " + i + " has byte length " + len + " at byte "
                        + (b.position() - 4) + ", expected 0.." + b.remaining() + " (file truncated or corrupt)");
            }
            if (len > maxLen) {
                throw new TensorFormatException(file + ": token " + i + " has " + len + " bytes, more than max_token_length " + maxLen);
            }
            pieces[i] = new byte[len];
            b.get(pieces[i]);
        }
        if (b.hasRemaining()) {
            throw new TensorFormatException(file + ": " + b.remaining() + " bytes left after " + vocabSize
                    + " tokens (the tokenizer does not match a model of vocab size " + vocabSize + ")");
        }
        return new Llama2cTokenizer(file, pieces, scores, maxLen);
    }

    public Path source() {
        return source;
    }

    public int maxTokenLength() {
        return maxTokenLength;
    }

    /** The raw bytes of piece {@code id} as stored in the file (e.g. {@code " time"}, {@code "<0x0A>"}). */
    public byte[] pieceBytes(int id) {
        checkId(id);
        return pieces[id].clone();
    }

    public float score(int id) {
        checkId(id);
        return scores[id];
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public int[] encode(String text) {
        if (text == null) {
            throw new IllegalArgumentException("cannot encode null text");
        }
        if (text.isEmpty()) {
            return new int[0];
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[utf8.length + 1];
        int n = 0;
        Integer space = lookup.get(" ");
        ids[n++] = space != null ? space : ' ' + 3; // dummy prefix
        int i = 0;
        while (i < utf8.length) {
            int len = 1;
            while (len < 4 && i + len < utf8.length && (utf8[i + len] & 0xC0) == 0x80) {
                len++;
            }
            Integer id = lookup.get(new String(utf8, i, len, StandardCharsets.ISO_8859_1));
            if (id != null) {
                ids[n++] = id;
            } else {
                for (int k = 0; k < len; k++) {
                    ids[n++] = (utf8[i + k] & 0xff) + 3;
                }
            }
            i += len;
        }
        return merge(Arrays.copyOf(ids, n));
    }

    /**
     * Greedy merging as run.c does it (each round: the adjacent pair with the highest score, leftmost
     * on ties), in O(n log n) with a priority queue over a linked list instead of run.c's O(n²) scan.
     */
    private int[] merge(int[] ids) {
        int n = ids.length;
        int[] prev = new int[n];
        int[] next = new int[n];
        int[] version = new int[n];
        boolean[] alive = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            alive[i] = true;
        }
        PriorityQueue<long[]> queue = new PriorityQueue<>((a, b) -> {
            int c = Float.compare(Float.intBitsToFloat((int) b[0]), Float.intBitsToFloat((int) a[0]));
            return c != 0 ? c : Long.compare(a[1], b[1]);
        });
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, ids, version, i, i + 1);
        }
        while (!queue.isEmpty()) {
            long[] c = queue.poll(); // {scoreBits, left, right, leftVersion, rightVersion, mergedId}
            int left = (int) c[1];
            int right = (int) c[2];
            if (!alive[left] || !alive[right] || next[left] != right || version[left] != c[3] || version[right] != c[4]) {
                continue; // stale
            }
            ids[left] = (int) c[5];
            version[left]++;
            alive[right] = false;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                offer(queue, ids, version, prev[left], left);
            }
            if (next[left] >= 0) {
                offer(queue, ids, version, left, next[left]);
            }
        }
        int[] out = new int[n];
        int m = 0;
        for (int i = 0; i >= 0 && i < n; i = next[i]) {
            out[m++] = ids[i];
        }
        return Arrays.copyOf(out, m);
    }

    private void offer(PriorityQueue<long[]> queue, int[] ids, int[] version, int left, int right) {
        Integer merged = lookup.get(key(pieces[ids[left]]) + key(pieces[ids[right]]));
        if (merged != null && scores[merged] > -1e10f) { // run.c's best_score starts at -1e10
            queue.add(new long[] {Float.floatToIntBits(scores[merged]), left, right, version[left], version[right], merged});
        }
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int prev = -1;
        for (int id : ids) {
            checkId(id);
            if (id == BOS || id == EOS || id == UNK) {
                prev = id;
                continue;
            }
            if (byteValue[id] >= 0) {
                out.write(byteValue[id]);
            } else {
                byte[] p = pieces[id];
                int from = prev == BOS && p.length > 0 && p[0] == ' ' ? 1 : 0;
                out.write(p, from, p.length - from);
            }
            prev = id;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public String tokenString(int id) {
        checkId(id);
        return switch (id) {
            case UNK -> "<unk>";
            case BOS -> "<s>";
            case EOS -> "</s>";
            default -> {
                int bv = byteValue[id];
                if (bv >= 0) {
                    yield bv < 0x80 ? String.valueOf((char) bv) : String.format("<0x%02X>", bv);
                }
                yield new String(pieces[id], StandardCharsets.UTF_8);
            }
        };
    }

    @Override
    public OptionalInt bosId() {
        return OptionalInt.of(BOS);
    }

    @Override
    public OptionalInt eosId() {
        return OptionalInt.of(EOS);
    }

    @Override
    public boolean prependsBos() {
        return true;
    }

    private void checkId(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " out of range for " + source.getFileName() + " (vocab size "
                    + pieces.length + ")");
        }
    }

    private static String key(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** The byte of a {@code <0xXX>} piece, or -1. */
    private static int parseBytePiece(byte[] p) {
        if (p.length != 6 || p[0] != '<' || p[1] != '0' || p[2] != 'x' || p[5] != '>') {
            return -1;
        }
        int hi = Character.digit(p[3], 16);
        int lo = Character.digit(p[4], 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }
}
