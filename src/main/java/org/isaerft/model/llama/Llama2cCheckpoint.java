package org.isaerft.model.llama;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.isaerft.tensor.TensorFormatException;

/**
 * Reader for llama2.c's legacy "version 0" checkpoint export (e.g. {@code stories260K.bin}).
 *
 * <p>Header: 7 little-endian int32 {@code dim, hidden_dim, n_layers, n_heads, n_kv_heads,
 * vocab_size, seq_len}; a positive {@code vocab_size} means the classifier shares the token
 * embedding, a negative one that a separate classifier follows the other weights. Then float32
 * arrays, matrices in (out, in) form: token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3
 * (each stacked over layers), rms_final, the two legacy RoPE tables (seq_len × head_size/2 each,
 * unused), and the classifier when not shared. The file must be exactly the size the header
 * implies. llama2.c rotates interleaved pairs, so the model uses {@link RopeStyle#INTERLEAVED};
 * RMSNorm eps is llama2.c's 1e-5 and RoPE theta 10000.
 */
public final class Llama2cCheckpoint {
    public static final int HEADER_BYTES = 7 * 4;
    /** First int32 of llama2.c's newer (version ≥ 1) exports, "ak42". */
    static final int VERSIONED_MAGIC = 0x616b3432;
    static final double NORM_EPS = 1e-5;
    static final double ROPE_THETA = 10000.0;

    private Llama2cCheckpoint() {}

    /**
     * The header fields, validated; {@code vocabSize} is the absolute value of the stored field and
     * {@code sharedClassifier} its sign.
     */
    public record Header(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocabSize, int seqLen,
            boolean sharedClassifier) {
        public int headSize() {
            return dim / nHeads;
        }

        /** Total file size this header implies, in bytes. */
        public long expectedBytes() {
            long d = dim;
            long l = nLayers;
            long kv = (long) nKvHeads * headSize();
            long floats = 0;
            floats = Math.addExact(floats, Math.multiplyExact((long) vocabSize, d));            // token_embedding
            floats = Math.addExact(floats, Math.multiplyExact(l, d));                           // rms_att_weight
            floats = Math.addExact(floats, Math.multiplyExact(Math.multiplyExact(l, d), d));    // wq
            floats = Math.addExact(floats, Math.multiplyExact(Math.multiplyExact(2 * l, kv), d)); // wk, wv
            floats = Math.addExact(floats, Math.multiplyExact(Math.multiplyExact(l, d), d));    // wo
            floats = Math.addExact(floats, Math.multiplyExact(l, d));                           // rms_ffn_weight
            floats = Math.addExact(floats, Math.multiplyExact(Math.multiplyExact(3 * l, hiddenDim), d)); // w1, w2, w3
            floats = Math.addExact(floats, d);                                                  // rms_final_weight
            floats = Math.addExact(floats, (long) seqLen * headSize());                         // freq_cis_real + _imag
            if (!sharedClassifier) {
                floats = Math.addExact(floats, Math.multiplyExact((long) vocabSize, d));        // wcls
            }
            return Math.addExact(HEADER_BYTES, Math.multiplyExact(4L, floats));
        }

        public LlamaConfig toConfig() {
            return new LlamaConfig(dim, nLayers, nHeads, nKvHeads, headSize(), hiddenDim, vocabSize, seqLen, NORM_EPS, ROPE_THETA,
                    RopeStyle.INTERLEAVED, sharedClassifier);
        }
    }

    /** Reads and validates the header of {@code file}. */
    public static Header readHeader(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return parseHeader(file, ch);
        } catch (NoSuchFileException e) {
            throw new TensorFormatException(file + ": checkpoint file not found", e);
        } catch (IOException e) {
            throw new TensorFormatException(file + ": cannot read checkpoint: " + e.getMessage(), e);
        }
    }

    /** Reads a whole checkpoint into host memory. */
    public static LlamaWeights load(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = parseHeader(file, ch);
            long size = ch.size();
            if (size != h.expectedBytes()) {
                throw new TensorFormatException(file + ": size does not match its header " + describe(h) + ": expected "
                        + h.expectedBytes() + " bytes, found " + size + (size < h.expectedBytes() ? " (file truncated?)" : ""));
            }
            FloatReader f = new FloatReader(ch, HEADER_BYTES);
            LlamaConfig c = h.toConfig();
            int d = c.dModel();
            int L = c.nLayers();
            int q = c.nHeads() * c.dHead();
            int kv = c.nKvHeads() * c.dHead();
            int hid = c.dMlp();
            float[] embed = take(f, (long) c.vocabSize() * d);
            float[][] rmsAtt = takeLayers(f, L, d);
            float[][] wq = takeLayers(f, L, (long) q * d);
            float[][] wk = takeLayers(f, L, (long) kv * d);
            float[][] wv = takeLayers(f, L, (long) kv * d);
            float[][] wo = takeLayers(f, L, (long) d * q);
            float[][] rmsFfn = takeLayers(f, L, d);
            float[][] w1 = takeLayers(f, L, (long) hid * d);
            float[][] w2 = takeLayers(f, L, (long) d * hid);
            float[][] w3 = takeLayers(f, L, (long) hid * d);
            float[] rmsFinal = take(f, d);
            f.skip((long) h.seqLen() * h.headSize()); // legacy freq_cis_real/imag, recomputed instead
            float[] cls = h.sharedClassifier() ? null : take(f, (long) c.vocabSize() * d);
            List<LlamaWeights.Layer> layers = new ArrayList<>(L);
            for (int l = 0; l < L; l++) {
                layers.add(new LlamaWeights.Layer(rmsAtt[l], wq[l], wk[l], wv[l], wo[l], rmsFfn[l], w1[l], w2[l], w3[l]));
            }
            return new LlamaWeights(c, embed, layers, rmsFinal, cls);
        } catch (NoSuchFileException e) {
            throw new TensorFormatException(file + ": checkpoint file not found", e);
        } catch (IOException e) {
            throw new TensorFormatException(file + ": cannot read checkpoint: " + e.getMessage(), e);
        }
    }

    private static Header parseHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < HEADER_BYTES) {
            throw new TensorFormatException(file + ": truncated llama2.c checkpoint: " + size + " bytes, need at least "
                    + HEADER_BYTES + " for the header (7 int32)");
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, b.position()) < 0) {
                break;
            }
        }
        int dim = b.getInt(0);
        if (dim == VERSIONED_MAGIC) {
            throw new TensorFormatException(file + ": this is a llama2.c version-" + b.getInt(4)
                    + " export (magic \"ak42\"); only the legacy version-0 export (export.py --version 0) is supported");
        }
        int hidden = b.getInt(4);
        int layers = b.getInt(8);
        int heads = b.getInt(12);
        int kvHeads = b.getInt(16);
        int vocab = b.getInt(20);
        int seq = b.getInt(24);
        positive(file, "dim", dim);
        positive(file, "hidden_dim", hidden);
        positive(file, "n_layers", layers);
        positive(file, "n_heads", heads);
        positive(file, "n_kv_heads", kvHeads);
        positive(file, "seq_len", seq);
        if (vocab == 0 || vocab == Integer.MIN_VALUE) {
            throw new TensorFormatException(file + ": header field vocab_size must be non-zero (positive: shared classifier, "
                    + "negative: separate classifier), found " + vocab);
        }
        if (dim % heads != 0) {
            throw new TensorFormatException(file + ": header field dim (" + dim + ") must be a multiple of n_heads (" + heads + ")");
        }
        if (heads % kvHeads != 0) {
            throw new TensorFormatException(file + ": header field n_heads (" + heads + ") must be a multiple of n_kv_heads ("
                    + kvHeads + ")");
        }
        if ((dim / heads) % 2 != 0) {
            throw new TensorFormatException(file + ": head size dim/n_heads = " + (dim / heads) + " must be even for RoPE");
        }
        Header h = new Header(dim, hidden, layers, heads, kvHeads, Math.abs(vocab), seq, vocab > 0);
        try {
            h.expectedBytes();
        } catch (ArithmeticException e) {
            throw new TensorFormatException(file + ": header " + describe(h) + " implies a file larger than 2^63 bytes (corrupt header)");
        }
        return h;
    }

    private static void positive(Path file, String field, int v) {
        if (v <= 0) {
            throw new TensorFormatException(file + ": header field " + field + " must be positive, found " + v
                    + " (not a llama2.c version-0 checkpoint, or corrupt)");
        }
    }

    private static String describe(Header h) {
        return "(dim=" + h.dim() + ", hidden_dim=" + h.hiddenDim() + ", n_layers=" + h.nLayers() + ", n_heads=" + h.nHeads()
                + ", n_kv_heads=" + h.nKvHeads() + ", vocab_size=" + (h.sharedClassifier() ? "" : "-") + h.vocabSize()
                + ", seq_len=" + h.seqLen() + ")";
    }

    private static float[] take(FloatReader f, long n) throws IOException {
        return f.read(Math.toIntExact(n));
    }

    private static float[][] takeLayers(FloatReader f, int layers, long per) throws IOException {
        float[][] out = new float[layers][];
        for (int l = 0; l < layers; l++) {
            out[l] = take(f, per);
        }
        return out;
    }

    /** Sequential little-endian float32 reads from a channel (no 2 GiB mapping limit). */
    private static final class FloatReader {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private long pos;

        FloatReader(FileChannel ch, long pos) {
            this.ch = ch;
            this.pos = pos;
        }

        float[] read(int n) throws IOException {
            float[] out = new float[n];
            int done = 0;
            while (done < n) {
                int k = Math.min(n - done, buf.capacity() / 4);
                buf.clear().limit(k * 4);
                while (buf.hasRemaining()) {
                    int r = ch.read(buf, pos + buf.position());
                    if (r < 0) {
                        throw new IOException("unexpected end of file at byte " + (pos + buf.position()));
                    }
                }
                buf.flip();
                buf.asFloatBuffer().get(out, done, k);
                pos += 4L * k;
                done += k;
            }
            return out;
        }

        void skip(long floats) {
            pos += 4 * floats;
        }
    }
}
