package org.isaerft.recovery;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.isaerft.adapter.task.TaskCorpus;
import org.isaerft.adapter.TokenWindows;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.sae.SaeSplice;
import org.isaerft.sae.SparseAutoencoder;

/**
 * Per-latent activation statistics of an SAE over corpus windows (non-BOS tokens): the maximum
 * activation (what {@code max_act} in the steering rule means), the firing frequency, and which
 * latents are alive (fired at least once), and the median L2 norm of the raw activation at the hook (ρ, the unit of
 * {@link StrengthUnit#RESIDUAL}).
 *
 * @param tokens       tokens scanned
 * @param maxAct       per latent, max activation
 * @param freq         per latent, fraction of tokens with activation &gt; 0
 * @param residualNorm ρ: the median over the scanned tokens of the L2 norm of the raw activation at the SAE's hook (before
 *                     the SAE; NaN when not measured)
 */
public record LatentScan(long tokens, double[] maxAct, double[] freq, double residualNorm) {
    /** A scan without a residual norm (ρ = NaN). */
    public LatentScan(long tokens, double[] maxAct, double[] freq) {
        this(tokens, maxAct, freq, Double.NaN);
    }

    public LatentScan {
        if (maxAct.length != freq.length) {
            throw new IllegalArgumentException("latent scan: max_act has " + maxAct.length + " entries but freq " + freq.length);
        }
        if (tokens <= 0) {
            throw new IllegalArgumentException("latent scan: no tokens scanned");
        }
        maxAct = maxAct.clone();
        freq = freq.clone();
    }

    public int dSae() {
        return maxAct.length;
    }

    public boolean alive(int i) {
        return freq[i] > 0;
    }

    /** Indices of alive latents, ascending. */
    public int[] aliveLatents() {
        return java.util.stream.IntStream.range(0, dSae()).filter(this::alive).toArray();
    }

    public boolean[] aliveMask() {
        boolean[] m = new boolean[dSae()];
        for (int i = 0; i < m.length; i++) {
            m[i] = alive(i);
        }
        return m;
    }

    /**
     * {@code perDecile} alive latents from each of the 10 firing-frequency deciles (alive latents
     * sorted by frequency, cut into 10 equal parts), drawn with {@code rng}; decile 0 = rarest.
     */
    public List<int[]> drawAcrossDeciles(int perDecile, java.util.Random rng) {
        int[] alive = aliveLatents();
        Integer[] sorted = Arrays.stream(alive).boxed().toArray(Integer[]::new);
        Arrays.sort(sorted, (a, b) -> a.equals(b) ? 0 : freq[a] != freq[b] ? Double.compare(freq[a], freq[b]) : Integer.compare(a, b));
        List<int[]> out = new ArrayList<>(); // {latent, decile}
        for (int dec = 0; dec < 10; dec++) {
            int lo = dec * sorted.length / 10;
            int hi = (dec + 1) * sorted.length / 10;
            List<Integer> pool = new ArrayList<>(Arrays.asList(sorted).subList(lo, hi));
            java.util.Collections.shuffle(pool, rng);
            for (int k = 0; k < Math.min(perDecile, pool.size()); k++) {
                out.add(new int[] {pool.get(k), dec});
            }
        }
        return out;
    }

    /** Scans the first {@code maxWindows} windows of {@code seq} tokens of a text corpus (stories / blank-line documents). */
    public static LatentScan ofCorpus(LanguageModel model, SparseAutoencoder sae, java.nio.file.Path corpus, int seq, int maxWindows) {
        List<String> docs = TaskCorpus.split(TaskCorpus.readText(corpus), "paragraphs");
        TokenWindows w = TokenWindows.of(docs, model.tokenizer(), seq).firstWindows(maxWindows);
        if (w.size() == 0) {
            throw new IllegalArgumentException("scan corpus " + corpus + ": too little text for one window of " + seq + " tokens");
        }
        return of(model, sae, w, 16);
    }

    /** Scans {@code windows} (all of them) in batches of {@code batch}. */
    public static LatentScan of(LanguageModel model, SparseAutoencoder sae, TokenWindows windows, int batch) {
        int d = sae.dSae();
        double[] max = new double[d];
        long[] fired = new long[d];
        long tokens = 0;
        List<Double> norms = new ArrayList<>();
        var bos = model.tokenizer().bosId();
        for (int start = 0; start < windows.size(); start += batch) {
            int[] idx = java.util.stream.IntStream.range(start, Math.min(windows.size(), start + batch)).toArray();
            int[] flat = windows.batch(idx);
            float[] c;
            float[] raw;
            try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
                NDArray toks = m.create(flat, new Shape(idx.length, windows.seq())).duplicate();   // [b, T]
                NDArray[] sink = new NDArray[2];
                Hooks h = SaeSplice.of(sae).errorTerm(true).onStep(s -> {
                    sink[0] = s.latents();
                    sink[1] = s.raw();
                }).hooks().toBuilder().stopAt(sae.hookPoint()).build();
                model.forward(toks, h);
                c = sink[0].toFloatArray();                                                      // [b·T·d]
                raw = sink[1].toFloatArray();                                                    // [b·T·d_in] raw activation
            }
            int dIn = raw.length / flat.length;
            for (int t = 0; t < flat.length; t++) {
                if (bos.isPresent() && flat[t] == bos.getAsInt()) {
                    continue;
                }
                tokens++;
                double sq = 0;
                for (int j = t * dIn; j < (t + 1) * dIn; j++) {
                    sq += (double) raw[j] * raw[j];
                }
                norms.add(Math.sqrt(sq));
                int o = t * d;
                for (int i = 0; i < d; i++) {
                    float v = c[o + i];
                    if (v > 0) {
                        fired[i]++;
                        if (v > max[i]) {
                            max[i] = v;
                        }
                    }
                }
            }
        }
        double[] freq = new double[d];
        for (int i = 0; i < d; i++) {
            freq[i] = tokens == 0 ? 0 : (double) fired[i] / tokens;
        }
        return new LatentScan(tokens, max, freq, median(norms.stream().mapToDouble(Double::doubleValue).toArray()));
    }

    /** The median of {@code v} (the mean of the two middle values for an even count); NaN when empty. */
    public static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
