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
}
