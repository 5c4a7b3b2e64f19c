package org.isaerft.activations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.isaerft.dashboard.Dashboard;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelFamilies;
import org.isaerft.sae.Sae;
import org.isaerft.sae.SaeFormats;
import org.isaerft.sae.SaeLoadOptions;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.testing.Shared;
import org.isaerft.testing.TestManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Mining gpt2-tiny + the SAELens fixture SAE: against the independent llm.c/numpy fixture and a direct forward. */
class Gpt2TinyMiningTest {
    @RegisterExtension
    static final TestManager ND = new TestManager();
    static LanguageModel model;
    static Sae sae;

    @BeforeAll
    static void load() {
        model = ModelFamilies.load(Shared.path("fixtures/gpt2-tiny"), ND.get());
        sae = SaeFormats.load(Shared.path("fixtures/sae-tiny/saelens"), SaeLoadOptions.defaults(), ND.get());
    }

    @AfterAll
    static void close() {
        sae.close();
        model.close();
    }

    @Test
    void fixtureTokensGiveTheFixturesLatents(@TempDir Path dir) {
        int[] tokens = SafeTensors.read(Shared.path("fixtures/gpt2-tiny/expected.safetensors")).get("tokens", 2, 16).toIntArray();
        float[] expected = SafeTensors.read(Shared.path("fixtures/sae-tiny/saelens/expected.safetensors")).get("latents", 2, 16, 256)
                .toFloatArray();
        List<TokenSequence> seqs = List.of(new TokenSequence(0, 0, java.util.Arrays.copyOfRange(tokens, 0, 16)),
                new TokenSequence(1, 0, java.util.Arrays.copyOfRange(tokens, 16, 32)));
        Miner miner = Miner.builder(model, sae).config(MiningConfig.DEFAULT.withWindow(8).withTopK(3)).batchSize(2).seqLen(16).build();
        Miner.Result res = miner.mine(seqs.iterator());
        LatentAccumulator acc = res.accumulators().get(0);
        assertThat(acc.source()).isEqualTo("blocks.1.hook_resid_pre");
        assertThat(res.tokens()).isEqualTo(32);
        int dead = 0;
        for (int j = 0; j < 256; j++) {
            float max = 0;
            long firing = 0;
            int argDoc = -1;
            int argPos = -1;
            for (int r = 0; r < 32; r++) {
                float a = expected[r * 256 + j];
                if (a > 0) {
                    firing++;
                }
                if (a > max) {
                    max = a;
                    argDoc = r / 16;
                    argPos = r % 16;
                }
            }
            LatentRecord rec = acc.record(j, id -> Integer.toString(id), null);
            assertThat(rec.stats().maxActivation()).as("max of latent %d", j).isCloseTo(max, within(2e-5));
            if (firing == 0) {
                dead++;
                assertThat(rec.dead()).isTrue();
                continue;
            }
            Example top = rec.topExamples().get(0);
            assertThat(top.document()).isEqualTo(argDoc);
            assertThat(top.offset() + top.argMax()).isEqualTo(argPos);
            assertThat((double) top.activations()[top.argMax()]).isCloseTo(max, within(2e-5));
            // frequency: tokens where the fixture's latent is clearly positive are counted as firing
            long clear = 0;
            long maybe = 0;
            for (int r = 0; r < 32; r++) {
                float a = expected[r * 256 + j];
                clear += a > 1e-4 ? 1 : 0;
                maybe += a > 0 || Math.abs(a) <= 1e-4 ? 1 : 0;
            }
            assertThat(rec.stats().nFiring()).isBetween(clear, maybe);
        }
        // and the dashboard renders the real records
        MiningOutput.write(dir.resolve("latents"), List.of(new MiningOutput.SourceState(acc, miner.logitLenses(10).get(0))),
                MiningOutput.tokenStrings(res.accumulators(), model.tokenizer()::tokenString),
                new MiningOutput.Provenance("gpt2-tiny", "saelens", "fixture tokens", List.of(), res.tokensPerSecond()));
        assertThat(Dashboard.build(dir.resolve("latents"), dir.resolve("dash")).latentPages()).isEqualTo(256);
        assertThat(MiningOutput.readIndex(dir.resolve("latents")).dead()).hasSize(dead);
    }

    @Test
    void minedValuesEqualADirectFullForward() {
        Random r = new Random(17);
        List<TokenSequence> seqs = new ArrayList<>();
        for (int d = 0; d < 12; d++) {
            int len = 10 + r.nextInt(80);
            for (int off = 0; off < len; off += 40) {
                int[] ids = new int[Math.min(40, len - off)];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = r.nextInt(1000);
                }
                seqs.add(new TokenSequence(d, off, ids));
            }
        }
        Miner miner = Miner.builder(model, sae).batchSize(4).seqLen(40).build();
        LatentAccumulator acc = miner.mine(seqs.iterator()).accumulators().get(0);
        float[] max = new float[256];
        Map<String, Float> at = new HashMap<>();
        HookPoint hp = HookPoint.parse("blocks.1.hook_resid_pre");
        for (TokenSequence s : seqs) {
            try (NDScope scope = new NDScope()) {
                Map<HookPoint, NDArray> sink = new HashMap<>();
                NDArray logits = model.forward(model.manager().create(s.tokens(), new Shape(1, s.length())),
                        Hooks.builder().capture(hp, sink).build()); // full forward, no stop
                assertThat(logits).isNotNull();
                float[] lat = sae.encode(sink.get(hp)).toFloatArray();
                for (int t = 0; t < s.length(); t++) {
                    for (int j = 0; j < 256; j++) {
                        max[j] = Math.max(max[j], lat[t * 256 + j]);
                        at.put(j + ":" + s.document() + ":" + (s.offset() + t), lat[t * 256 + j]);
                    }
                }
            }
        }
        for (int j = 0; j < 256; j++) {
            LatentRecord rec = acc.record(j, id -> Integer.toString(id), null);
            assertThat(rec.stats().maxActivation()).as("latent %d", j).isCloseTo(max[j], within(1e-5));
            if (!rec.dead()) {
                Example top = rec.topExamples().get(0);
                assertThat((double) top.activations()[top.argMax()])
                        .isCloseTo(at.get(j + ":" + top.document() + ":" + (top.offset() + top.argMax())), within(1e-5));
            }
        }
    }
}
