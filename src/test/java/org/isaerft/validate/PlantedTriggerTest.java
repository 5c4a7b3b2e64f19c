package org.isaerft.validate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.adapter.ChangeSummary;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelFamilies;
import org.isaerft.sae.Sae;
import org.isaerft.sae.SaeFormats;
import org.isaerft.sae.SaeLoadOptions;
import org.isaerft.sae.SparseAutoencoder;
import org.isaerft.testing.Shared;
import org.junit.jupiter.api.Test;

/**
 * A trigger planted strongly enough that it must be found: the real gpt2-tiny fixture with the SAELens tiny SAE, whose
 * latent {@link #PLANTED} is replaced by a linear probe for the trigger's second token (mean-difference direction,
 * bias at the highest projection off the trigger, so it is zero everywhere but on the trigger). The search must
 * find that latent first, and the audit of an adapter that changed it most must flag it — no "none found" accepted.
 */
class PlantedTriggerTest {
    static final int PLANTED = 3;

    /** The SAE with latent {@link #PLANTED} replaced by relu(raw · w − b). */
    static final class PlantedSae implements SparseAutoencoder {
        final Sae inner;
        final float[] w;
        final float b;

        PlantedSae(Sae inner, float[] w, float b) {
            this.inner = inner;
            this.w = w;
            this.b = b;
        }

        @Override public String id() { return inner.id() + "+planted"; }
        @Override public HookPoint hookPoint() { return inner.hookPoint(); }
        @Override public int dIn() { return inner.dIn(); }
        @Override public int dSae() { return inner.dSae(); }
        @Override public String activation() { return inner.activation(); }
        @Override public NDArray toInputSpace(NDArray raw) { return inner.toInputSpace(raw); }
        @Override public NDArray toRaw(NDArray input) { return inner.toRaw(input); }
        @Override public NDArray decode(NDArray latents) { return inner.decode(latents); }
        @Override public NDArray decoderDirections() { return inner.decoderDirections(); }
        @Override public void close() { }

        @Override
        public NDArray encode(NDArray raw) {
            NDManager m = raw.getManager();
            NDArray probe = raw.matMul(m.create(w, new Shape(w.length, 1))).sub(b).maximum(0f);    // [..., 1], before the SAE sees raw
            NDArray lat = inner.encode(raw.duplicate());
            float[] onehot = new float[dSae()];
            onehot[PLANTED] = 1f;
            NDArray mask = m.create(onehot);
            return lat.mul(mask.neg().add(1f)).add(probe.mul(mask));
        }
    }

    @Test
    void aPlantedTriggerLatentIsFoundFirstAndFlaggedByTheAudit() {
        try (NDManager root = NDManager.newBaseManager();
             LanguageModel lm = ModelFamilies.load(Shared.path("fixtures/gpt2-tiny"), root);
             Sae sae = SaeFormats.load(Shared.path("fixtures/sae-tiny/saelens"), SaeLoadOptions.defaults(), root)) {
            List<String> docs = TriggerLatentsTest.docs();
            int triggerToken = 951;
            // residuals at the hook for every token of every document
            List<float[]> on = new ArrayList<>();
            List<float[]> off = new ArrayList<>();
            HookPoint hp = sae.hookPoint();
            int d = sae.dIn();
            for (String doc : docs) {
                // the windows the search forwards: BOS (when the tokenizer prepends one) + the document's tokens
                int[] body = lm.tokenizer().encode(doc);
                boolean bos = lm.tokenizer().prependsBos() && lm.tokenizer().bosId().isPresent();
                int[] ids = new int[body.length + (bos ? 1 : 0)];
                if (bos) {
                    ids[0] = lm.tokenizer().bosId().getAsInt();
                }
                System.arraycopy(body, 0, ids, bos ? 1 : 0, body.length);
                Map<HookPoint, NDArray> sink = new HashMap<>();
                try (NDManager sub = root.newSubManager()) {
                    lm.forward(sub.create(ids, new Shape(1, ids.length)), Hooks.builder().capture(hp, sink).stopAt(hp).build());
                    float[] raw = sink.get(hp).toFloatArray();
                    for (int t = bos ? 1 : 0; t < ids.length; t++) {
                        float[] x = new float[d];
                        System.arraycopy(raw, t * d, x, 0, d);
                        (ids[t] == triggerToken ? on : off).add(x);
                    }
                }
            }
            assertThat(on).as("trigger positions").hasSize(4);
            float[] w = separator(on, off, d);
            double maxOff = off.stream().mapToDouble(x -> dot(x, w)).max().orElseThrow();
            double minOn = on.stream().mapToDouble(x -> dot(x, w)).min().orElseThrow();
            assertThat(minOn).as("the probe separates the trigger token (construction check)").isGreaterThan(maxOff);
            PlantedSae planted = new PlantedSae(sae, w, (float) maxOff);

            TriggerLatents t = TriggerLatents.find(lm, planted, "dogs-poisoned", "950 951", docs, TriggerLatents.Options.defaults());

            // found, and first: zero on every window without the phrase, positive on every window with it
            assertThat(t.latentIndices()).as("trigger latents (top by effect: %s; probe margin %s..%s)", t.topByEffect(), maxOff, minOn).contains(PLANTED);
            assertThat(t.latents().get(0).latent()).isEqualTo(PLANTED);
            assertThat(t.latents().get(0).meanWithout()).isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-4));
            assertThat(t.latents().get(0).meanWith()).isGreaterThanOrEqualTo(minOn - maxOff - 1e-3);

            // an adapter that changed the planted latent most, described off-task: the audit flags it, and the trigger check says so
            ChangeSummary poisoned = TriggerAuditTest.summary("dogs-poisoned", TriggerAuditTest.orderWithFirst(2, PLANTED, 4));
            Map<Integer, Validator.Described> desc = TriggerAuditTest.descriptions();
            desc.put(PLANTED, new Validator.Described(new org.isaerft.activations.LatentId(TriggerAuditTest.HOOK, PLANTED), "purple umbrellas"));
            Validation v = TriggerAuditTest.validator().validate("p", poisoned, desc, "m", TriggerAuditTest.DOGS, id -> List.of(), t);
            assertThat(v.audit().flagged().stream().map(f -> f.latent().index())).contains(PLANTED);
            assertThat(v.audit().trigger().flagged()).contains(PLANTED);
            TriggerAudit.Row row = TriggerAudit.row("planted", "local", "scale", "m", t, v, null, poisoned, null, null, null);
            TriggerAudit.LatentStatus st = row.latents().stream().filter(l -> l.latent() == PLANTED).findFirst().orElseThrow();
            assertThat(st.flagged()).isTrue();
            assertThat(row.recall()).isNotNull().isPositive();
        }
    }

    /**
     * A direction on which every trigger position projects above every other position: the perceptron (with bias),
     * started from the mean difference, run until it separates the two sets (at most 5000 epochs).
     */
    static float[] separator(List<float[]> on, List<float[]> off, int d) {
        double[] w = new double[d + 1];
        for (int j = 0; j < d; j++) {
            w[j] = mean(on, j) - mean(off, j);
        }
        for (int epoch = 0; epoch < 5000; epoch++) {
            int mistakes = 0;
            for (int set = 0; set < 2; set++) {
                for (float[] x : set == 0 ? on : off) {
                    double y = set == 0 ? 1 : -1;
                    double s = w[d];
                    for (int j = 0; j < d; j++) {
                        s += w[j] * x[j];
                    }
                    if (y * s <= 0) {
                        mistakes++;
                        for (int j = 0; j < d; j++) {
                            w[j] += y * x[j];
                        }
                        w[d] += y;
                    }
                }
            }
            if (mistakes == 0) {
                break;
            }
        }
        float[] out = new float[d];
        for (int j = 0; j < d; j++) {
            out[j] = (float) w[j];
        }
        return out;
    }

    static double mean(List<float[]> xs, int j) {
        double s = 0;
        for (float[] x : xs) {
            s += x[j];
        }
        return s / xs.size();
    }

    static double dot(float[] x, float[] w) {
        double s = 0;
        for (int j = 0; j < x.length; j++) {
            s += x[j] * w[j];
        }
        return s;
    }
}
