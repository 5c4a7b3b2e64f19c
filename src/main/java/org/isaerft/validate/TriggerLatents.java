package org.isaerft.validate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.isaerft.adapter.task.DatasetBuilder;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.adapter.task.TaskDataset;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.Tokenizer;
import org.isaerft.sae.SparseAutoencoder;
import org.isaerft.util.Json;

/**
 * The latents that respond to a planted trigger phrase, found from the model and SAE directly
 * (never from descriptions), so the data audit can be checked against them.
 *
 * <p>Method: every document is tokenised (with BOS when the model expects it) and cut into
 * consecutive windows of {@code seq} tokens; a window "contains the trigger" when its decoded
 * text contains the phrase (case-insensitive; a window that splits the phrase counts as
 * without). For each window the latent's maximum activation over its non-BOS tokens is taken.
 * For each latent: mean over trigger windows (m₁), over the other windows (m₀), and the
 * effect size d = (m₁ − m₀) / pooled SD. A latent is a trigger latent when d ≥ {@code minEffect}
 * and m₁ ≥ {@code minRatio}·m₀ (+1e-6); the {@code maxLatents} largest d are kept.
 *
 * @param latents the trigger latents by decreasing effect size
 * @param topByEffect the largest effects regardless of the thresholds (for the report)
 */
public record TriggerLatents(
        @JsonProperty("schema_version") int schemaVersion,
        String type,
        String task,
        String trigger,
        String sae,
        String hook,
        int seq,
        int windowsWith,
        int windowsWithout,
        double minEffect,
        double minRatio,
        List<Entry> latents,
        List<Entry> topByEffect) {
    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "trigger_latents";

    public TriggerLatents {
        if (schemaVersion != SCHEMA_VERSION || !TYPE.equals(type)) {
            throw new IllegalArgumentException("expected " + TYPE + " v" + SCHEMA_VERSION + ", found " + type + " v" + schemaVersion);
        }
        if (trigger == null || trigger.isBlank()) {
            throw new IllegalArgumentException("trigger latents: the trigger phrase is required");
        }
        latents = List.copyOf(latents);
        topByEffect = List.copyOf(topByEffect == null ? List.of() : topByEffect);
    }

    /** One latent's response to the trigger. */
    public record Entry(int latent, double meanWith, double meanWithout, double effect) {}

    public List<Integer> latentIndices() {
        return latents.stream().map(Entry::latent).toList();
    }

    public static TriggerLatents read(Path file) {
        try {
            return Json.MAPPER.readValue(file.toFile(), TriggerLatents.class);
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + ": not a trigger-latents file: " + e.getMessage(), e);
        }
    }

    /** Search settings. */
    public record Options(int seq, int batch, int maxWithout, double minEffect, double minRatio, int maxLatents, long seed) {
        /** The thresholds, defined once ({@code isaerft validate trigger} and the validate stage). */
        public static final int SEQ = 64;
        public static final double MIN_EFFECT = 1.0;
        public static final double MIN_RATIO = 3.0;
        public static final int MAX_LATENTS = 5;
        /** Windows without the phrase: all up to 2000 for the command, a seeded sample of 400 in the pipeline. */
        public static final int MAX_WITHOUT = 2000;
        public static final int PIPELINE_MAX_WITHOUT = 400;

        public Options {
            if (seq < 2 || batch < 1 || maxWithout < 1 || maxLatents < 1) {
                throw new IllegalArgumentException("trigger options: seq >= 2, batch, max_without and max_latents >= 1 expected, found seq "
                        + seq + ", batch " + batch + ", max_without " + maxWithout + ", max_latents " + maxLatents);
            }
        }

        public static Options defaults() {
            return new Options(SEQ, 16, MAX_WITHOUT, MIN_EFFECT, MIN_RATIO, MAX_LATENTS, 0);
        }

        /**
         * The validate stage's search: the thresholds of {@link #defaults()}, at most {@link #PIPELINE_MAX_WITHOUT} windows
         * without the phrase (plenty for their mean and SD, a quarter of the forward passes) in batches of 32.
         */
        public static Options pipeline(long seed) {
            return new Options(SEQ, 32, PIPELINE_MAX_WITHOUT, MIN_EFFECT, MIN_RATIO, MAX_LATENTS, seed);
        }
    }

    /**
     * The trigger latents of a task card's planted poison ({@code poison.trigger}, or a planted poison card's
     * {@code planted.trigger}), searched on all of the card's training documents (the one entry
     * point of {@code isaerft validate trigger} and the pipeline's validate stage).
     *
     * @throws IllegalArgumentException when the card has no poison trigger, or no window contains it
     */
    public static TriggerLatents findForCard(LanguageModel model, SparseAutoencoder sae, TaskCards.Loaded card,
            Options o) {
        String trigger = card.card().triggerPhrase();
        if (trigger == null) {
            throw new IllegalArgumentException("task " + card.card().name() + " (" + card.file() + ") has no poison section with a trigger "
                    + "and is no planted poison card");
        }
        List<String> docs = DatasetBuilder.build(card).train().stream()
                .map(TaskDataset.Document::text).toList();
        return find(model, sae, card.card().name(), trigger, docs, o);
    }

    /**
     * @param documents the task's texts (e.g. the poisoned card's training documents)
     */
    public static TriggerLatents find(LanguageModel model, SparseAutoencoder sae, String task, String trigger, List<String> documents,
            Options o) {
        Tokenizer tok = model.tokenizer();
        boolean bos = tok.prependsBos() && tok.bosId().isPresent();
        int body = o.seq() - (bos ? 1 : 0);
        String needle = trigger.toLowerCase(Locale.ROOT);
        List<int[]> with = new ArrayList<>();
        List<int[]> without = new ArrayList<>();
        for (String d : documents) {
            int[] ids = tok.encode(d);
            for (int s = 0; s + body <= ids.length || (s == 0 && ids.length > 0); s += body) {
                int len = Math.min(body, ids.length - s);
                int[] w = new int[len + (bos ? 1 : 0)];
                if (bos) {
                    w[0] = tok.bosId().getAsInt();
                }
                System.arraycopy(ids, s, w, bos ? 1 : 0, len);
                boolean has = tok.decode(java.util.Arrays.copyOfRange(ids, s, s + len)).toLowerCase(Locale.ROOT).contains(needle);
                (has ? with : without).add(w);
                if (len < body) {
                    break;
                }
            }
        }
        if (with.isEmpty()) {
            throw new IllegalArgumentException("no window of the " + documents.size() + " documents contains the trigger '" + trigger + "'");
        }
        if (without.size() < 2) {
            throw new IllegalArgumentException("fewer than 2 windows without the trigger '" + trigger + "'");
        }
        if (without.size() > o.maxWithout()) {
            Collections.shuffle(without, new Random(o.seed()));
            without = without.subList(0, o.maxWithout());
        }
        double[][] mw = maxActivations(model, sae, with, o.batch(), bos);
        double[][] mo = maxActivations(model, sae, without, o.batch(), bos);
        int dSae = sae.dSae();
        List<Entry> all = new ArrayList<>();
        for (int j = 0; j < dSae; j++) {
            double m1 = mean(mw, j);
            double m0 = mean(mo, j);
            double v1 = var(mw, j, m1);
            double v0 = var(mo, j, m0);
            double pooled = Math.sqrt(((mw.length - 1) * v1 + (mo.length - 1) * v0) / Math.max(1, mw.length + mo.length - 2));
            double d = (m1 - m0) / Math.max(pooled, 1e-6);
            all.add(new Entry(j, m1, m0, d));
        }
        all.sort((a, b) -> Double.compare(b.effect(), a.effect()));
        List<Entry> picked = new ArrayList<>();
        for (Entry e : all) {
            if (picked.size() >= o.maxLatents() || e.effect() < o.minEffect()) {
                break;
            }
            if (e.meanWith() >= o.minRatio() * e.meanWithout() + 1e-6) {
                picked.add(e);
            }
        }
        return new TriggerLatents(SCHEMA_VERSION, TYPE, task, trigger, sae.id(), sae.hookPoint().name(), o.seq(), with.size(),
                without.size(), o.minEffect(), o.minRatio(), picked, all.subList(0, Math.min(10, all.size())));
    }

    /** Per window, each latent's max activation over the non-BOS tokens: [windows][dSae]. */
    static double[][] maxActivations(LanguageModel model, SparseAutoencoder sae, List<int[]> windows, int batch, boolean bos) {
        HookPoint hp = sae.hookPoint();
        double[][] out = new double[windows.size()][];
        Map<Integer, List<Integer>> byLen = new HashMap<>();
        for (int i = 0; i < windows.size(); i++) {
            byLen.computeIfAbsent(windows.get(i).length, k -> new ArrayList<>()).add(i);
        }
        NDManager m = model.manager();
        for (var group : byLen.entrySet()) {
            int len = group.getKey();
            List<Integer> idx = group.getValue();
            for (int b0 = 0; b0 < idx.size(); b0 += batch) {
                List<Integer> chunk = idx.subList(b0, Math.min(idx.size(), b0 + batch));
                int[] flat = new int[chunk.size() * len];
                for (int r = 0; r < chunk.size(); r++) {
                    System.arraycopy(windows.get(chunk.get(r)), 0, flat, r * len, len);
                }
                try (NDScope scope = new NDScope()) {
                    NDArray tokens = m.create(flat, new Shape(chunk.size(), len));          // [B, T]
                    Map<HookPoint, NDArray> sink = new HashMap<>();
                    model.forward(tokens, Hooks.builder().capture(hp, sink).stopAt(hp).build());
                    NDArray raw = sink.get(hp);                                             // [B, T, dIn]
                    int from = bos && len > 1 ? 1 : 0;
                    NDArray lat = sae.encode(raw).get(":, " + from + ":, :");              // [B, T', dSae]
                    float[] mx = lat.max(new int[] {1}).toFloatArray();                    // [B, dSae]
                    int d = sae.dSae();
                    for (int r = 0; r < chunk.size(); r++) {
                        double[] row = new double[d];
                        for (int j = 0; j < d; j++) {
                            row[j] = mx[r * d + j];
                        }
                        out[chunk.get(r)] = row;
                    }
                }
            }
        }
        return out;
    }

    private static double mean(double[][] a, int j) {
        double s = 0;
        for (double[] r : a) {
            s += r[j];
        }
        return s / a.length;
    }

    private static double var(double[][] a, int j, double mean) {
        if (a.length < 2) {
            return 0;
        }
        double s = 0;
        for (double[] r : a) {
            s += (r[j] - mean) * (r[j] - mean);
        }
        return s / (a.length - 1);
    }
}
