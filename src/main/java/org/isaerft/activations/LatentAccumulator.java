package org.isaerft.activations;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.isaerft.tensor.DType;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.tensor.TensorFormatException;
import org.isaerft.util.Json;

/**
 * Bounded-memory, mergeable summary of {@code n} latents of one source over a token stream.
 *
 * <p>Per latent, in flat arrays: firing count, max, the sum of firing activations (exact 128-bit
 * fixed point at 2^-32, so sums merge exactly in any order), and a histogram over the fixed
 * {@link ActivationBins}. Per latent, lazily allocated (dead latents cost nothing): the top-k
 * windows, example samples per histogram bin, and random non-activating windows.
 *
 * <p><b>Candidates.</b> Every sequence is cut into aligned chunks of {@code window} tokens; in each
 * chunk a latent that fires offers one candidate: its peak (first maximum), with a window of
 * {@code window} tokens around it cut from the sequence ({@link MiningConfig#before()} tokens of
 * context before the peak when the sequence allows). A peak that is not the first maximum of its
 * own window is dropped (a larger activation of a neighbouring chunk is in view, and that chunk has its
 * own candidate), so every example's peak is its window's maximum and no two candidates share a peak.
 * A chunk where the latent never fires offers itself as a non-activating candidate.
 *
 * <p><b>Exact merging.</b> Each kept set is "the best m candidates under a total order":
 * top-k by (peak desc, document, peak offset); decile samples and random windows by a
 * deterministic key {@code splitmix64(seed, document, offset)} (smallest first, ties by
 * document and offset). Such sets merge exactly (best m of the union = best m of the union of
 * best m's), so mining shards A and B and merging equals mining A∪B.
 *
 * <p><b>Deciles without a second pass.</b> Decile edges depend on the final max, which is not known
 * while streaming. Instead of a second pass the accumulator keeps, per fixed histogram bin, the
 * {@code perDecile} smallest-key candidates. Bins entirely below max/10 (they can only ever fall in
 * decile 0) are folded into one "low" sample, which keeps memory at about
 * {@code 4·log2(10) + 2 ≈ 16} bins per latent. At the end, each decile takes the smallest-key
 * candidates among the kept ones whose peak falls in it (excluding windows already in the top-k).
 * The result is a deterministic function of the candidate multiset, so it merges exactly too; a bin
 * straddling a decile edge contributes at most {@code perDecile} candidates to either side.
 *
 * <p>Over 400 lines because the candidate rule, the exact fixed-point sums and the merge must be read
 * together: a merge is only exact if it mirrors every accumulation path here.
 */
public final class LatentAccumulator {
    public static final int STATE_SCHEMA_VERSION = 1;
    public static final String STATE_TYPE = "mining_state";
    private static final int LOW = ActivationBins.COUNT;
    private static final double FIXED_SCALE = 4294967296.0; // 2^32
    private static final float MAX_SUMMABLE = 2147483648f;  // 2^31

    private final String source;
    private final int n;
    private final MiningConfig config;
    private long tokens;
    private long sequences;
    private final long[] firing;
    private final float[] max;
    private final long[] sumHi;
    private final long[] sumLo;
    private final long[] hist;          // [n * ActivationBins.COUNT]
    private final float[] compactedAt;  // max at the last fold of low bins
    private final BestOf[] top;
    private final BestOf[][] bins;      // [n][COUNT + 1], index LOW = folded low bins
    private final BestOf[] random;
    private float[] zeros = new float[0]; // shared all-zero activations of non-activating windows

    public LatentAccumulator(String source, int n, MiningConfig config) {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("accumulator needs a source name (e.g. blocks.1.hook_resid_pre)");
        }
        if (n <= 0) {
            throw new IllegalArgumentException("accumulator for " + source + " needs n > 0 latents, found " + n);
        }
        this.source = source;
        this.n = n;
        this.config = config;
        firing = new long[n];
        max = new float[n];
        sumHi = new long[n];
        sumLo = new long[n];
        hist = new long[Math.multiplyExact(n, ActivationBins.COUNT)];
        compactedAt = new float[n];
        top = new BestOf[n];
        bins = new BestOf[n][];
        random = new BestOf[n];
    }

    public String source() {
        return source;
    }

    public int size() {
        return n;
    }

    public MiningConfig config() {
        return config;
    }

    public long tokens() {
        return tokens;
    }

    public long sequences() {
        return sequences;
    }

    public long firing(int j) {
        return firing[j];
    }

    public float max(int j) {
        return max[j];
    }

    public boolean dead(int j) {
        return firing[j] == 0;
    }

    /** Mean activation over the tokens where latent j fired (0 if it never fired). */
    public double mean(int j) {
        if (firing[j] == 0) {
            return 0.0;
        }
        double lo = sumLo[j] >= 0 ? sumLo[j] : (sumLo[j] >>> 1) * 2.0 + (sumLo[j] & 1);
        double sum = Math.scalb(sumHi[j] * 18446744073709551616.0 + lo, -32);
        return sum / firing[j];
    }

    /**
     * Adds one sequence whose activations are token-major: row {@code row0 + t} of {@code acts}
     * ([rows, n]) holds the n activations of token t, for t in [0, length). A convenience over
     * {@link #addBatch}, which the miner uses.
     *
     * @param document       document index
     * @param sequenceOffset offset in the document of {@code tokenIds[0]}
     * @param tokenIds       the sequence's token ids (at least {@code length})
     */
    public void addSequence(long document, int sequenceOffset, int[] tokenIds, int length, float[] acts, int row0) {
        if (length <= 0 || length > tokenIds.length) {
            throw new IllegalArgumentException("sequence length " + length + " must be within 1.." + tokenIds.length);
        }
        if ((long) (row0 + length) * n > acts.length) {
            throw new IllegalArgumentException("activations of " + source + ": rows " + row0 + ".." + (row0 + length) + " of width "
                    + n + " need " + (long) (row0 + length) * n + " values, found " + acts.length);
        }
        float[] latentMajor = new float[length * n];
        for (int t = 0; t < length; t++) {
            for (int j = 0; j < n; j++) {
                latentMajor[j * length + t] = acts[(row0 + t) * n + j];
            }
        }
        int[] ids = length == tokenIds.length ? tokenIds : Arrays.copyOf(tokenIds, length);
        addBatch(List.of(new TokenSequence(document, sequenceOffset, ids)), new int[] {0}, latentMajor, length);
    }

    /**
     * Adds a batch of sequences whose activations are latent-major: latent j's value at row r is
     * {@code acts[j * rows + r]}, and sequence i occupies rows {@code row0[i] .. row0[i] + length - 1}
     * (its first {@code prefix} rows are skipped).
     * Latent-major lets every latent be processed over contiguous memory (the miner has the engine
     * transpose before the single copy to host).
     */
    public void addBatch(List<TokenSequence> seqs, int[] row0, float[] acts, int rows) {
        int ns = seqs.size();
        if (row0.length != ns) {
            throw new IllegalArgumentException("addBatch: " + ns + " sequences but " + row0.length + " row offsets");
        }
        if ((long) rows * n > acts.length) {
            throw new IllegalArgumentException("activations of " + source + ": " + rows + " rows of " + n + " latents need "
                    + (long) rows * n + " values, found " + acts.length);
        }
        final int w = config.window();
        final boolean wantRandom = config.nRandom() > 0;
        int[][] body = new int[ns][];   // the mined tokens of each sequence (prefix dropped)
        long[][] randomKeys = new long[ns][];
        long[][] decilePrefix = new long[ns][];
        int[][][] chunkTokens = new int[ns][][];
        long added = 0;
        for (int i = 0; i < ns; i++) {
            TokenSequence q = seqs.get(i);
            body[i] = q.prefix() == 0 ? q.tokens() : Arrays.copyOfRange(q.tokens(), q.prefix(), q.length());
            if (row0[i] < 0 || row0[i] + q.length() > rows) {
                throw new IllegalArgumentException("addBatch: sequence " + i + " (rows " + row0[i] + ".." + (row0[i] + q.length())
                        + ") lies outside the " + rows + " rows");
            }
            int chunks = (q.minedLength() + w - 1) / w;
            randomKeys[i] = new long[chunks];
            decilePrefix[i] = new long[chunks];
            chunkTokens[i] = new int[chunks][];
            for (int c = 0; c < chunks; c++) {
                randomKeys[i][c] = Keys.hash(config.seed() ^ Keys.RANDOM_SALT, q.document(), (long) q.offset() + (long) c * w, 0);
                decilePrefix[i][c] = Keys.prefix(config.seed() ^ Keys.DECILE_SALT, q.document(), (long) q.offset() + (long) c * w);
            }
            added += q.minedLength();
        }
        for (int j = 0; j < n; j++) {
            int base = j * rows;
            for (int i = 0; i < ns; i++) {
                TokenSequence q = seqs.get(i);
                int len = q.minedLength();
                int r0 = base + row0[i] + q.prefix(); // position u of the mined part is row r0 + u
                for (int c0 = 0, c = 0; c0 < len; c0 += w, c++) {
                    int c1 = Math.min(len, c0 + w);
                    float cmax = 0f;
                    int carg = -1;
                    for (int t = c0; t < c1; t++) {
                        float a = acts[r0 + t];
                        if (!(a <= 0f)) {
                            fire(j, a, q.document(), (long) q.offset() + t);
                            if (a > cmax) {
                                cmax = a;
                                carg = t;
                            }
                        }
                    }
                    if (carg >= 0) {
                        offerActive(j, cmax, carg, c0, q, body[i], acts, r0, Keys.finish(decilePrefix[i][c], j));
                    } else if (wantRandom) {
                        offerRandom(j, randomKeys[i][c], c0, c1, q, body[i], acts, r0, chunkTokens[i], c);
                    }
                }
            }
        }
        tokens += added;
        sequences += ns;
    }

    private void fire(int j, float a, long document, long position) {
        if (a != a) {
            throw new IllegalArgumentException(source + "/" + j + ": activation is NaN at document " + document + ", offset " + position);
        }
        if (a >= MAX_SUMMABLE) {
            throw new IllegalArgumentException(source + "/" + j + ": activation " + a + " at document " + document + ", offset "
                    + position + " exceeds the accumulator's range (< 2^31)");
        }
        firing[j]++;
        if (a > max[j]) {
            max[j] = a;
        }
        long v = Math.round(a * FIXED_SCALE);
        long lo = sumLo[j];
        long nl = lo + v;
        if (Long.compareUnsigned(nl, lo) < 0) {
            sumHi[j]++;
        }
        sumLo[j] = nl;
        hist[j * ActivationBins.COUNT + ActivationBins.of(a)]++;
    }

    /** A chunk's peak (position t in the sequence) as a top/decile candidate; {@code acts[r0 + i]} is the value at position i. */
    private void offerActive(int j, float peak, int t, int c0, TokenSequence q, int[] body, float[] acts, int r0, long key) {
        int length = body.length;
        long document = q.document();
        int sequenceOffset = q.offset();
        int wlen = Math.min(config.window(), length);
        int start = Math.max(0, Math.min(t - config.before(), length - wlen));
        long peakPos = (long) sequenceOffset + t;
        int docStart = sequenceOffset + start;
        BestOf tb = top[j];
        if (tb == null) {
            tb = top[j] = new BestOf(config.topK(), Slot.BY_PEAK);
        }
        boolean wantTop = !tb.full() || Slot.beatsByPeak(peak, document, peakPos, tb.worst());
        BestOf rb = null;
        if (config.perDecile() > 0) {
            if (max[j] > compactedAt[j]) {
                compact(j);
            }
            BestOf[] lb = bins[j];
            if (lb == null) {
                lb = bins[j] = new BestOf[ActivationBins.COUNT + 1];
            }
            int b = ActivationBins.of(peak);
            int target = foldsLow(b, max[j]) ? LOW : b;
            rb = lb[target];
            if (rb == null) {
                rb = lb[target] = new BestOf(config.perDecile(), Slot.BY_KEY);
            }
            if (rb.full() && !Slot.beatsByKey(key, document, docStart, peakPos, rb.worst())) {
                rb = null;
            }
        }
        if (!wantTop && rb == null) {
            return;
        }
        // A candidate stands only if it is its own window's peak (first maximum): otherwise the window
        // would show a larger activation of a neighbouring chunk, which has its own candidate.
        int pi = t - start;
        for (int i = 0; i < wlen; i++) {
            float a = acts[r0 + start + i];
            if (i < pi ? a >= peak : a > peak) {
                return;
            }
        }
        Slot slot = window(peak, key, q, body, start, wlen, pi, acts, r0);
        if (wantTop) {
            tb.offer(slot);
        }
        if (rb != null) {
            rb.offer(slot);
        }
    }

    private void offerRandom(int j, long key, int c0, int c1, TokenSequence q, int[] body, float[] acts, int r0, int[][] chunkTokens,
            int c) {
        BestOf rb = random[j];
        if (rb == null) {
            rb = random[j] = new BestOf(config.nRandom(), Slot.BY_KEY);
        }
        long document = q.document();
        int docStart = q.offset() + c0;
        // cheap reject before copying the window (an exact tie on key, document and start is left to offer())
        if (rb.full() && !Slot.beatsByKey(key, document, docStart, Long.MIN_VALUE, rb.worst())) {
            return;
        }
        int len = c1 - c0;
        int best = 0;
        boolean allZero = true;
        float peak = acts[r0 + c0];
        for (int i = 0; i < len; i++) {
            float a = acts[r0 + c0 + i];
            allZero &= Float.floatToRawIntBits(a) == 0;
            if (a > peak) {
                peak = a;
                best = i;
            }
        }
        // The key does not depend on the latent, so most latents keep the same chunks: share the
        // chunk's token copy, and one all-zero activation array, instead of a copy per latent.
        if (chunkTokens[c] == null) {
            chunkTokens[c] = Arrays.copyOfRange(body, c0, c1);
        }
        float[] a;
        if (allZero) {
            if (zeros.length != len) {
                zeros = new float[len];
            }
            a = zeros;
        } else {
            a = Arrays.copyOfRange(acts, r0 + c0, r0 + c1);
        }
        rb.offer(new Slot(peak, document, q.offset(), docStart, best, key, chunkTokens[c], a));
    }

    private Slot window(float peak, long key, TokenSequence q, int[] body, int start, int len, int peakIndex, float[] acts, int r0) {
        return new Slot(peak, q.document(), q.offset(), q.offset() + start, peakIndex, key,
                Arrays.copyOfRange(body, start, start + len), Arrays.copyOfRange(acts, r0 + start, r0 + start + len));
    }

    /** True if every activation in bin b is below max/10, so the bin can only ever feed decile 0. */
    private static boolean foldsLow(int b, float max) {
        return ActivationBins.upper(b) * 10.0 <= max;
    }

    /** Folds the bins of latent j that lie entirely below max/10 into the low sample. */
    private void compact(int j) {
        compactedAt[j] = max[j];
        BestOf[] lb = bins[j];
        if (lb == null) {
            return;
        }
        for (int b = 0; b < ActivationBins.COUNT; b++) {
            if (lb[b] != null && foldsLow(b, max[j])) {
                if (lb[LOW] == null) {
                    lb[LOW] = new BestOf(config.perDecile(), Slot.BY_KEY);
                }
                lb[LOW].addAll(lb[b]);
                lb[b] = null;
            }
        }
    }

    /** Adds another accumulator's state (a disjoint shard of the same source and config) to this one. */
    public void merge(LatentAccumulator other) {
        if (!source.equals(other.source) || n != other.n || !config.equals(other.config)) {
            throw new IllegalArgumentException("cannot merge mining state of " + other.source + " (n=" + other.n + ", " + other.config
                    + ") into " + source + " (n=" + n + ", " + config + "): sources, sizes and configs must be equal");
        }
        tokens += other.tokens;
        sequences += other.sequences;
        for (int j = 0; j < n; j++) {
            firing[j] += other.firing[j];
            max[j] = Math.max(max[j], other.max[j]);
            long lo = sumLo[j] + other.sumLo[j];
            long carry = Long.compareUnsigned(lo, sumLo[j]) < 0 ? 1 : 0;
            sumLo[j] = lo;
            sumHi[j] += other.sumHi[j] + carry;
            if (other.top[j] != null) {
                if (top[j] == null) {
                    top[j] = new BestOf(config.topK(), Slot.BY_PEAK);
                }
                top[j].addAll(other.top[j]);
            }
            if (other.random[j] != null) {
                if (random[j] == null) {
                    random[j] = new BestOf(config.nRandom(), Slot.BY_KEY);
                }
                random[j].addAll(other.random[j]);
            }
            if (other.bins[j] != null) {
                if (bins[j] == null) {
                    bins[j] = new BestOf[ActivationBins.COUNT + 1];
                }
                for (int b = 0; b <= LOW; b++) {
                    if (other.bins[j][b] != null) {
                        if (bins[j][b] == null) {
                            bins[j][b] = new BestOf(config.perDecile(), Slot.BY_KEY);
                        }
                        bins[j][b].addAll(other.bins[j][b]);
                    }
                }
            }
            compact(j);
        }
        for (int i = 0; i < hist.length; i++) {
            hist[i] += other.hist[i];
        }
    }

    // ---------------------------------------------------------------- records

    /** Statistics of latent j: the histogram is trimmed to the bins from the first to the last non-empty one. */
    public LatentStats stats(int j) {
        long nf = firing[j];
        int first = -1;
        int last = -1;
        int base = j * ActivationBins.COUNT;
        for (int b = 0; b < ActivationBins.COUNT; b++) {
            if (hist[base + b] != 0) {
                if (first < 0) {
                    first = b;
                }
                last = b;
            }
        }
        double[] edges;
        long[] counts;
        if (first < 0) {
            edges = new double[0];
            counts = new long[0];
        } else {
            counts = Arrays.copyOfRange(hist, base + first, base + last + 1);
            edges = new double[counts.length + 1];
            for (int b = first; b <= last; b++) {
                edges[b - first] = ActivationBins.lower(b);
            }
            double up = ActivationBins.upper(last);
            edges[counts.length] = Double.isInfinite(up) ? max[j] : up;
        }
        return new LatentStats(tokens, nf, tokens == 0 ? 0.0 : (double) nf / tokens, max[j], mean(j), edges, counts);
    }

    /** The record of latent j; {@code tokenString} renders token ids, {@code lens} may be null. */
    public LatentRecord record(int j, IntFunction<String> tokenString, LogitLens lens) {
        LatentId id = new LatentId(source, j);
        List<Slot> topSlots = top[j] == null ? List.of() : top[j].sorted();
        List<Example> topEx = new ArrayList<>();
        Set<String> inTop = new HashSet<>();
        for (Slot s : topSlots) {
            topEx.add(example(s, Example.KIND_TOP, -1, tokenString));
            inTop.add(s.document() + ":" + s.peakPosition());
        }
        List<Example> decEx = new ArrayList<>();
        if (bins[j] != null && max[j] > 0f) {
            if (max[j] > compactedAt[j]) {
                compact(j);
            }
            List<List<Slot>> byDecile = new ArrayList<>();
            for (int d = 0; d < 10; d++) {
                byDecile.add(new ArrayList<>());
            }
            for (BestOf b : bins[j]) {
                if (b == null) {
                    continue;
                }
                for (Slot s : b.sorted()) {
                    if (!inTop.contains(s.document() + ":" + s.peakPosition())) {
                        byDecile.get(decile(s.peak(), max[j])).add(s);
                    }
                }
            }
            for (int d = 9; d >= 0; d--) {
                List<Slot> l = byDecile.get(d);
                l.sort(Slot.BY_KEY);
                for (Slot s : l.subList(0, Math.min(config.perDecile(), l.size()))) {
                    decEx.add(example(s, Example.KIND_DECILE, d, tokenString));
                }
            }
        }
        List<Example> randEx = new ArrayList<>();
        if (random[j] != null) {
            for (Slot s : random[j].sorted()) {
                randEx.add(example(s, Example.KIND_RANDOM, -1, tokenString));
            }
        }
        return LatentRecord.of(id, dead(j), stats(j), topEx, decEx, randEx, lens);
    }

    /** Decile 0..9 of a positive peak given the latent's max: floor(10·peak/max), 9 for the max itself. */
    public static int decile(float peak, float max) {
        return Math.min(9, (int) Math.floor(10.0 * peak / max));
    }

    private Example example(Slot s, String kind, int decile, IntFunction<String> tokenString) {
        List<String> toks = new ArrayList<>(s.tokenIds().length);
        for (int id : s.tokenIds()) {
            toks.add(tokenString.apply(id));
        }
        return new Example(s.tokenIds().clone(), toks, s.activations().clone(), s.document(), s.start(),
                config.split(s.document(), s.sequenceOffset()), kind, decile);
    }

    /** Calls {@code f} with every token id of every kept window (with repeats). */
    public void forEachTokenId(java.util.function.IntConsumer f) {
        java.util.function.Consumer<BestOf> each = b -> {
            if (b != null) {
                for (Slot s : b.sorted()) {
                    for (int id : s.tokenIds()) {
                        f.accept(id);
                    }
                }
            }
        };
        for (int j = 0; j < n; j++) {
            each.accept(top[j]);
            each.accept(random[j]);
            if (bins[j] != null) {
                for (BestOf b : bins[j]) {
                    each.accept(b);
                }
            }
        }
    }

    // ---------------------------------------------------------------- state file

    /** Writes the whole state (so shards can be merged later) as safetensors with JSON metadata. */
    public void writeState(Path path) {
        List<Slot> slots = new ArrayList<>();
        List<int[]> roles = new ArrayList<>(); // {latent, role}: role -1 top, -2 random, 0..COUNT bins (COUNT = low)
        for (int j = 0; j < n; j++) {
            if (top[j] != null) {
                for (Slot s : top[j].sorted()) {
                    slots.add(s);
                    roles.add(new int[] {j, -1});
                }
            }
            if (random[j] != null) {
                for (Slot s : random[j].sorted()) {
                    slots.add(s);
                    roles.add(new int[] {j, -2});
                }
            }
            if (bins[j] != null) {
                for (int b = 0; b <= LOW; b++) {
                    if (bins[j][b] != null) {
                        for (Slot s : bins[j][b].sorted()) {
                            slots.add(s);
                            roles.add(new int[] {j, b});
                        }
                    }
                }
            }
        }
        int s = slots.size();
        int w = config.window();
        int[] latent = new int[s];
        int[] role = new int[s];
        long[] doc = new long[s];
        int[] seqOff = new int[s];
        int[] start = new int[s];
        int[] peakIndex = new int[s];
        int[] len = new int[s];
        float[] peak = new float[s];
        long[] key = new long[s];
        int[] toks = new int[Math.multiplyExact(s, w)];
        float[] acts = new float[s * w];
        Arrays.fill(toks, -1);
        for (int i = 0; i < s; i++) {
            Slot x = slots.get(i);
            latent[i] = roles.get(i)[0];
            role[i] = roles.get(i)[1];
            doc[i] = x.document();
            seqOff[i] = x.sequenceOffset();
            start[i] = x.start();
            peakIndex[i] = x.peakIndex();
            len[i] = x.tokenIds().length;
            peak[i] = x.peak();
            key[i] = x.key();
            System.arraycopy(x.tokenIds(), 0, toks, i * w, len[i]);
            System.arraycopy(x.activations(), 0, acts, i * w, len[i]);
        }
        Map<String, HostTensor> t = new LinkedHashMap<>();
        long[] vn = {n};
        long[] vs = {s};
        t.put("firing", HostTensor.i64(vn, firing));
        t.put("max", HostTensor.f32(vn, max));
        t.put("sum_hi", HostTensor.i64(vn, sumHi));
        t.put("sum_lo", HostTensor.i64(vn, sumLo));
        t.put("compacted_at", HostTensor.f32(vn, compactedAt));
        t.put("histogram", HostTensor.i64(new long[] {n, ActivationBins.COUNT}, hist));
        t.put("slot_latent", HostTensor.i32(vs, latent));
        t.put("slot_role", HostTensor.i32(vs, role));
        t.put("slot_document", HostTensor.i64(vs, doc));
        t.put("slot_sequence_offset", HostTensor.i32(vs, seqOff));
        t.put("slot_start", HostTensor.i32(vs, start));
        t.put("slot_peak_index", HostTensor.i32(vs, peakIndex));
        t.put("slot_length", HostTensor.i32(vs, len));
        t.put("slot_peak", HostTensor.f32(vs, peak));
        t.put("slot_key", HostTensor.i64(vs, key));
        t.put("slot_tokens", HostTensor.i32(new long[] {s, w}, toks));
        t.put("slot_activations", HostTensor.f32(new long[] {s, w}, acts));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("schema_version", Integer.toString(STATE_SCHEMA_VERSION));
        meta.put("type", STATE_TYPE);
        meta.put("source", source);
        meta.put("n_latents", Integer.toString(n));
        meta.put("tokens", Long.toString(tokens));
        meta.put("sequences", Long.toString(sequences));
        meta.put("histogram_bins", ActivationBins.MIN_EXP + ".." + ActivationBins.MAX_EXP + " x" + ActivationBins.PER_OCTAVE);
        meta.put("config", Json.line(config));
        SafeTensors.write(path, t, meta);
    }

    /** Reads a state written by {@link #writeState}; errors name the file and the field. */
    public static LatentAccumulator readState(Path path) {
        SafeTensors.File f = SafeTensors.read(path);
        Map<String, String> meta = f.metadata();
        if (!STATE_TYPE.equals(meta.get("type")) || !Integer.toString(STATE_SCHEMA_VERSION).equals(meta.get("schema_version"))) {
            throw new TensorFormatException(path + ": expected a mining state (type " + STATE_TYPE + ", schema_version "
                    + STATE_SCHEMA_VERSION + "), found type " + meta.get("type") + ", schema_version " + meta.get("schema_version"));
        }
        String expectedBins = ActivationBins.MIN_EXP + ".." + ActivationBins.MAX_EXP + " x" + ActivationBins.PER_OCTAVE;
        if (!expectedBins.equals(meta.get("histogram_bins"))) {
            throw new TensorFormatException(path + ": histogram bins " + meta.get("histogram_bins") + " differ from " + expectedBins);
        }
        MiningConfig config;
        int n;
        try {
            config = Json.MAPPER.readValue(meta.get("config"), MiningConfig.class);
            n = Integer.parseInt(meta.get("n_latents"));
        } catch (Exception e) {
            throw new TensorFormatException(path + ": bad mining state metadata (config / n_latents): " + e.getMessage(), e);
        }
        LatentAccumulator acc = new LatentAccumulator(meta.get("source"), n, config);
        acc.tokens = Long.parseLong(meta.get("tokens"));
        acc.sequences = Long.parseLong(meta.get("sequences"));
        longs(f.get("firing", n), acc.firing);
        System.arraycopy(f.get("max", n).toFloatArray(), 0, acc.max, 0, n);
        System.arraycopy(f.get("compacted_at", n).toFloatArray(), 0, acc.compactedAt, 0, n);
        longs(f.get("sum_hi", n), acc.sumHi);
        longs(f.get("sum_lo", n), acc.sumLo);
        longs(f.get("histogram", n, ActivationBins.COUNT), acc.hist);
        int s = Math.toIntExact(f.get("slot_latent").numel());
        int w = config.window();
        int[] latent = f.get("slot_latent", s).toIntArray();
        int[] role = f.get("slot_role", s).toIntArray();
        long[] doc = longs(f.get("slot_document", s), new long[s]);
        int[] seqOff = f.get("slot_sequence_offset", s).toIntArray();
        int[] start = f.get("slot_start", s).toIntArray();
        int[] peakIndex = f.get("slot_peak_index", s).toIntArray();
        int[] len = f.get("slot_length", s).toIntArray();
        float[] peak = f.get("slot_peak", s).toFloatArray();
        long[] key = longs(f.get("slot_key", s), new long[s]);
        int[] toks = f.get("slot_tokens", s, w).toIntArray();
        float[] acts = f.get("slot_activations", s, w).toFloatArray();
        for (int i = 0; i < s; i++) {
            int j = latent[i];
            if (j < 0 || j >= n || role[i] < -2 || role[i] > LOW || len[i] < 1 || len[i] > w) {
                throw new TensorFormatException(path + ": slot " + i + " has latent " + j + " (n=" + n + "), role " + role[i]
                        + ", length " + len[i] + " (window " + w + ")");
            }
            Slot x = new Slot(peak[i], doc[i], seqOff[i], start[i], peakIndex[i], key[i],
                    Arrays.copyOfRange(toks, i * w, i * w + len[i]), Arrays.copyOfRange(acts, i * w, i * w + len[i]));
            if (role[i] == -1) {
                if (acc.top[j] == null) {
                    acc.top[j] = new BestOf(config.topK(), Slot.BY_PEAK);
                }
                acc.top[j].offer(x);
            } else if (role[i] == -2) {
                if (acc.random[j] == null) {
                    acc.random[j] = new BestOf(config.nRandom(), Slot.BY_KEY);
                }
                acc.random[j].offer(x);
            } else {
                if (acc.bins[j] == null) {
                    acc.bins[j] = new BestOf[ActivationBins.COUNT + 1];
                }
                if (acc.bins[j][role[i]] == null) {
                    acc.bins[j][role[i]] = new BestOf(config.perDecile(), Slot.BY_KEY);
                }
                acc.bins[j][role[i]].offer(x);
            }
        }
        return acc;
    }

    private static long[] longs(HostTensor t, long[] into) {
        if (t.dtype() != DType.I64) {
            throw new TensorFormatException("expected an I64 tensor, found " + t.dtype() + " " + t.shapeString());
        }
        t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(into);
        return into;
    }
}
