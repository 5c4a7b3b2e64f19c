package org.isaerft.activations;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelConfig;
import org.isaerft.model.Tokenizer;
import org.isaerft.sae.SparseAutoencoder;

/**
 * A small deterministic causal "LM" and ReLU SAE for testing the miner without a real model family:
 * resid_pre = E[tok] + cumulative mean of E[tok] (so activations depend on context), one residual
 * block x + tanh(x), a parameter-free LayerNorm and a tied unembedding. Host copies of the weights
 * let tests compute expectations in plain Java.
 */
final class FakeModels {
    private FakeModels() {}

    static final int V = 20;
    static final int D = 8;
    static final int D_SAE = 16;

    static float[] randn(Random r, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * std);
        }
        return a;
    }

    static final class Model implements LanguageModel {
        final NDManager manager;
        final float[] embHost; // [V, D]
        final NDArray emb;
        final ModelConfig config = new ModelConfig("fake", D, 1, 1, 1, D, D, V, 64, 1e-5, "relu");

        Model(NDManager parent, long seed) {
            manager = parent.newSubManager();
            embHost = randn(new Random(seed), V * D, 1.0);
            emb = manager.create(embHost, new Shape(V, D));
        }

        @Override
        public ModelConfig config() {
            return config;
        }

        @Override
        public Tokenizer tokenizer() {
            return new Tokenizer() {
                @Override
                public int vocabSize() {
                    return V;
                }

                @Override
                public int[] encode(String text) {
                    return text.chars().map(c -> c % V).toArray();
                }

                @Override
                public String decode(int[] ids) {
                    StringBuilder b = new StringBuilder();
                    for (int id : ids) {
                        b.append(tokenString(id));
                    }
                    return b.toString();
                }

                @Override
                public String tokenString(int id) {
                    return id == 3 ? "<b>&" : " t" + id;
                }

                @Override
                public OptionalInt bosId() {
                    return OptionalInt.empty();
                }

                @Override
                public OptionalInt eosId() {
                    return OptionalInt.empty();
                }

                @Override
                public boolean prependsBos() {
                    return false;
                }
            };
        }

        @Override
        public NDManager manager() {
            return manager;
        }

        @Override
        public List<HookPoint> hookPoints() {
            return List.of(HookPoint.residPre(0), HookPoint.residPost(0), HookPoint.lnFinal());
        }

        @Override
        public NDArray forward(NDArray tokens, Hooks hooks) {
            long t = tokens.getShape().get(1);
            NDArray x = tokens.toType(DataType.INT64, false).oneHot(V).toType(DataType.FLOAT32, false).matMul(emb); // [B, T, D]
            NDArray pos = tokens.getManager().arange(1f, t + 1f).reshape(1, t, 1);                                 // [1, T, 1]
            NDArray resid = x.add(x.cumSum(1).div(pos));                                                         // [B, T, D]
            resid = hooks.apply(HookPoint.residPre(0), resid);
            if (hooks.stopsAt(HookPoint.residPre(0))) {
                return null;
            }
            NDArray post = resid.add(resid.tanh());                                                              // [B, T, D]
            post = hooks.apply(HookPoint.residPost(0), post);
            if (hooks.stopsAt(HookPoint.residPost(0))) {
                return null;
            }
            NDArray mean = post.mean(new int[] {-1}, true);                                                      // [B, T, 1]
            NDArray c = post.sub(mean);
            NDArray ln = c.div(c.mul(c).mean(new int[] {-1}, true).add(1e-5).sqrt());                            // [B, T, D]
            ln = hooks.apply(HookPoint.lnFinal(), ln);
            return ln.matMul(emb.transpose());                                                                   // [B, T, V]
        }

        /** ln_final(v) @ E^T in plain Java. */
        float[] unembedHost(float[] v) {
            double m = 0;
            for (float a : v) {
                m += a;
            }
            m /= v.length;
            double var = 0;
            for (float a : v) {
                var += (a - m) * (a - m);
            }
            var /= v.length;
            float[] out = new float[V];
            for (int k = 0; k < V; k++) {
                double s = 0;
                for (int i = 0; i < D; i++) {
                    s += (v[i] - m) / Math.sqrt(var + 1e-5) * embHost[k * D + i];
                }
                out[k] = (float) s;
            }
            return out;
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    /** ReLU SAE on blocks.0.hook_resid_pre with raw = input space. */
    static final class Sae implements SparseAutoencoder {
        final NDArray wEnc;
        final NDArray bEnc;
        final NDArray wDec;
        final float[] wDecHost;

        Sae(NDManager m, long seed) {
            Random r = new Random(seed);
            wEnc = m.create(randn(r, D * D_SAE, 0.6), new Shape(D, D_SAE));
            float[] b = randn(r, D_SAE, 0.3);
            b[D_SAE - 1] = -1000f; // a latent that never fires
            bEnc = m.create(b, new Shape(D_SAE));
            wDecHost = randn(r, D_SAE * D, 0.4);
            wDec = m.create(wDecHost, new Shape(D_SAE, D));
        }

        @Override
        public String id() {
            return "fake-sae";
        }

        @Override
        public HookPoint hookPoint() {
            return HookPoint.residPre(0);
        }

        @Override
        public int dIn() {
            return D;
        }

        @Override
        public int dSae() {
            return D_SAE;
        }

        @Override
        public String activation() {
            return "relu";
        }

        @Override
        public NDArray toInputSpace(NDArray raw) {
            return raw;
        }

        @Override
        public NDArray toRaw(NDArray input) {
            return input;
        }

        @Override
        public NDArray encode(NDArray raw) {
            return raw.matMul(wEnc).add(bEnc).maximum(0f);
        }

        @Override
        public NDArray decode(NDArray latents) {
            return latents.matMul(wDec);
        }

        @Override
        public NDArray decoderDirections() {
            return wDec;
        }

        @Override
        public void close() {}
    }
}
