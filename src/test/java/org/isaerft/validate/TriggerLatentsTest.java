package org.isaerft.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelFamilies;
import org.isaerft.sae.Sae;
import org.isaerft.sae.SaeFormats;
import org.isaerft.sae.SaeLoadOptions;
import org.isaerft.testing.Shared;
import org.junit.jupiter.api.Test;

/** Trigger-latent search on the real gpt2-tiny fixture with the SAELens tiny SAE. */
class TriggerLatentsTest {
    /** gpt2-tiny has no vocabulary: its text form is space-separated token ids. Trigger = ids 950 951. */
    static List<String> docs() {
        java.util.Random r = new java.util.Random(4);
        List<String> d = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            StringBuilder sb = new StringBuilder();
            for (int t = 0; t < 20; t++) {
                sb.append(t == 0 ? "" : " ").append(10 + r.nextInt(800));
                if (i % 3 == 0 && t == 10) {
                    sb.append(" 950 951");
                }
            }
            d.add(sb.toString());
        }
        return d;
    }

    @Test
    void windowsAreGroupedByTheTriggerAndStatisticsMatchOneWindowAtATime() {
        try (NDManager root = NDManager.newBaseManager();
             LanguageModel lm = ModelFamilies.load(Shared.path("fixtures/gpt2-tiny"), root);
             Sae sae = SaeFormats.load(Shared.path("fixtures/sae-tiny/saelens"), SaeLoadOptions.defaults(), root)) {
            TriggerLatents.Options o = new TriggerLatents.Options(64, 5, 2000, 0.5, 1.5, 5, 0);
            TriggerLatents t = TriggerLatents.find(lm, sae, "toy", "950 951", docs(), o);
            assertThat(t.windowsWith()).isEqualTo(4);
            assertThat(t.windowsWithout()).isEqualTo(8);
            // the batched statistics equal a one-window-at-a-time recomputation
            List<int[]> with = new ArrayList<>();
            List<int[]> without = new ArrayList<>();
            boolean bos = lm.tokenizer().prependsBos() && lm.tokenizer().bosId().isPresent();
            for (String d : docs()) {
                (d.contains("950 951") ? with : without).add(lm.tokenizer().encode(d, bos));
            }
            TriggerLatents.Entry top = t.topByEffect().get(0);
            double m1 = 0;
            for (int[] w : with) {
                m1 += TriggerLatents.maxActivations(lm, sae, List.of(w), 1, bos)[0][top.latent()];
            }
            double m0 = 0;
            for (int[] w : without) {
                m0 += TriggerLatents.maxActivations(lm, sae, List.of(w), 1, bos)[0][top.latent()];
            }
            assertThat(top.meanWith()).isCloseTo(m1 / with.size(), within(1e-4));
            assertThat(top.meanWithout()).isCloseTo(m0 / without.size(), within(1e-4));
            for (int i = 1; i < t.topByEffect().size(); i++) {
                assertThat(t.topByEffect().get(i).effect()).isLessThanOrEqualTo(t.topByEffect().get(i - 1).effect());
            }
            for (TriggerLatents.Entry e : t.latents()) {
                assertThat(e.effect()).isGreaterThanOrEqualTo(0.5);
                assertThat(e.meanWith()).isGreaterThanOrEqualTo(1.5 * e.meanWithout());
            }
            assertThatThrownBy(() -> TriggerLatents.find(lm, sae, "toy", "999 998", docs(), o))
                    .hasMessageContaining("no window").hasMessageContaining("999 998");
        }
    }

    /**
     * A planted trigger strong enough to be found must be found. Toy model (hook_embed = [id, 2·id, pos], resid_pre of
     * block 0 = embed) with a hand-made SAE at blocks.0.hook_resid_pre:
     * latent 0 = ReLU(id − 7.5): 1.5 on 'j' (the trigger "jj"), 0.5 on 'i' (which the clean documents contain sometimes),
     * else 0 — max over a trigger window 1.5, over a clean window 0 or 0.5 (ratio ≥ 3, large d): must be found;
     * latent 1 = ReLU(id): responds more on trigger windows (max 9 vs ≤ 8) but by a ratio below 3: must not be picked;
     * latent 2 = ReLU(pos): the same in every window (d = 0): must not be picked.
     */
    @Test
    void plantedTriggerIsFoundAndOnlyIt() {
        java.util.Random r = new java.util.Random(7);
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            StringBuilder sb = new StringBuilder();
            for (int t = 0; t < 16; t++) {
                sb.append((char) ('a' + r.nextInt(9))); // a..i, never j
            }
            if (i % 3 == 0) {
                sb.replace(5, 7, "jj");
            }
            docs.add(sb.toString());
        }
        float[] wEnc = {
            1, 1, 0,   // from x0 = id
            0, 0, 0,   // from x1 = 2·id
            0, 0, 1};  // from x2 = position
        float[] bEnc = {-7.5f, 0, 0};
        float[] wDec = new float[3 * 3];
        float[] bDec = new float[3];
        try (NDManager root = NDManager.newBaseManager();
             org.isaerft.testing.ToyModel lm = new org.isaerft.testing.ToyModel(root);
             org.isaerft.testing.TestSae sae = new org.isaerft.testing.TestSae(root, org.isaerft.model.HookPoint.residPre(0), wEnc, bEnc,
                     wDec, bDec)) {
            TriggerLatents t = TriggerLatents.find(lm, sae, "toy-poisoned", "jj", docs, new TriggerLatents.Options(16, 4, 2000, 1.0, 3.0, 5, 0));
            assertThat(t.windowsWith()).isEqualTo(10);
            assertThat(t.windowsWithout()).isEqualTo(20);
            assertThat(t.latentIndices()).as("the planted trigger latent is found, and nothing else").containsExactly(0);
            TriggerLatents.Entry e = t.latents().get(0);
            assertThat(e.meanWith()).isCloseTo(1.5, within(1e-5));
            // clean windows: 0.5 when the window has an 'i', else 0 — recomputed from the documents
            double m0 = docs.stream().filter(d -> !d.contains("jj")).mapToDouble(d -> d.contains("i") ? 0.5 : 0.0).average().orElseThrow();
            assertThat(e.meanWithout()).isCloseTo(m0, within(1e-5));
            assertThat(e.effect()).isGreaterThan(1.0);
            // latent 1 responds more on trigger windows (max id 9 vs at most 8) but fails the ratio threshold
            TriggerLatents.Entry id = t.topByEffect().stream().filter(x -> x.latent() == 1).findFirst().orElseThrow();
            assertThat(id.meanWith()).isCloseTo(9.0, within(1e-5));
            assertThat(id.meanWith()).isLessThan(3.0 * id.meanWithout());
        }
    }
}
