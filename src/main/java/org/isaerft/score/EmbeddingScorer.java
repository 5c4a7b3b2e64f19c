package org.isaerft.score;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;
import org.isaerft.activations.LatentRecord;
import org.isaerft.explain.Explanation;

/**
 * Offline embedding scoring (as in Delphi): AUROC of cosine(explanation, example text) for the
 * held-out activating (top + decile) versus non-activating (random) examples, with
 * all-MiniLM-L6-v2 running in-process. Embeddings are cached per scorer instance by text, so a
 * run embeds each distinct example once (the shuffled baseline re-uses them).
 */
public final class EmbeddingScorer implements Scorer {
    public static final String NAME = "embedding";
    private final java.util.function.Supplier<EmbeddingModel> factory;
    private final String modelName;
    private volatile EmbeddingModel model;
    private final Map<String, float[]> cache = new ConcurrentHashMap<>();

    /** With the in-process all-MiniLM-L6-v2 model, loaded at the first embedding (a fully resumed run never loads it). */
    public EmbeddingScorer() {
        this.factory = AllMiniLmL6V2EmbeddingModel::new;
        this.modelName = "all-MiniLM-L6-v2";
    }

    public EmbeddingScorer(EmbeddingModel model) {
        this.factory = () -> model;
        this.modelName = model.getClass().getSimpleName();
        this.model = model;
    }

    private EmbeddingModel embeddingModel() {
        EmbeddingModel m = model;
        if (m == null) {
            synchronized (this) {
                if (model == null) {
                    model = factory.get();
                }
                m = model;
            }
        }
        return m;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@code all-MiniLM-L6-v2} unless another model was injected. */
    @Override
    public String model() {
        return modelName;
    }

    @Override
    public String valueMetric() {
        return "auroc";
    }

    @Override
    public List<ScoreSummary.ChanceLevel> chanceLevels(List<LatentRecord> records) {
        return List.of(new ScoreSummary.ChanceLevel("auroc", "similarity unrelated to activation", 0.5));
    }

    /** Number of distinct texts embedded so far. */
    public int cachedEmbeddings() {
        return cache.size();
    }

    @Override
    public Score score(LatentRecord record, Explanation explanation) {
        Score.ExplanationRef ref = Score.ExplanationRef.of(explanation);
        List<HeldOut> items = HeldOut.of(record, true, true, true);
        long pos = items.stream().filter(HeldOut::activating).count();
        if (items.isEmpty()) {
            return Score.undefined(record.id(), ref, NAME, new Score.Undefined(Score.Reason.NO_EXAMPLES, "no held-out examples"), null,
                    null, null, null);
        }
        if (pos == 0 || pos == items.size()) {
            return Score.undefined(record.id(), ref, NAME, new Score.Undefined(Score.Reason.SINGLE_CLASS,
                    "all " + items.size() + " held-out examples are " + (pos == 0 ? "non-activating" : "activating")), null, null,
                    null, null);
        }
        float[] e = embed(explanation.description());
        double[] sims = new double[items.size()];
        boolean[] labels = new boolean[items.size()];
        List<Score.ExampleDetail> details = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            HeldOut h = items.get(i);
            sims[i] = cosine(e, embed(h.example().text()));
            labels[i] = h.activating();
            details.add(new Score.ExampleDetail(h.ref(), h.activating(), null, null, sims[i], null, null, null));
        }
        OptionalDouble auc = ScoreMath.auroc(sims, labels);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("auroc", auc.getAsDouble());
        metrics.put("n_items", (double) items.size());
        metrics.put("n_positive", (double) pos);
        return Score.defined(record.id(), ref, NAME, auc.getAsDouble(), metrics, details, null, null);
    }

    /** The (cached) embedding of {@code text}; shared with the validation step's relevance judge. */
    public float[] embedding(String text) {
        return embed(text);
    }

    private float[] embed(String text) {
        // an empty text has no embedding; a single space embeds as "nothing"
        String key = text.isBlank() ? " " : text;
        return cache.computeIfAbsent(key, t -> embeddingModel().embed(t).content().vector());
    }

    /** Cosine similarity of two embeddings of the same size. */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("embedding sizes differ: " + a.length + " vs " + b.length);
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * (double) b[i];
            na += a[i] * (double) a[i];
            nb += b[i] * (double) b[i];
        }
        if (na == 0 || nb == 0) {
            return 0.0; // a zero vector is equally (un)similar to everything; ties are handled by the AUROC
        }
        return dot / Math.sqrt(na * nb);
    }
}
