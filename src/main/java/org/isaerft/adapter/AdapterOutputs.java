package org.isaerft.adapter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.adapter.task.TaskDataset;
import org.isaerft.model.LanguageModel;
import org.isaerft.sae.SparseAutoencoder;
import org.isaerft.util.Json;
import org.isaerft.util.Versions;

/**
 * Writes a trained adapter's folder: {@code adapter.safetensors}, {@code metadata.json},
 * {@code change_summary.json} (each atomically; metadata last, so its presence marks a complete folder).
 */
public final class AdapterOutputs {
    public static final String METADATA = "metadata.json";
    public static final String CHANGE_SUMMARY = "change_summary.json";

    private AdapterOutputs() {}

    /**
     * One entry of an adapter suite's {@code summary.json}: task, component, SAE, model, parameters, held-out task loss before and
     * after, data sizes, steps, learning rate, the run folder ({@code run}, relative to the summary) and the {@code top} most
     * changed latents.
     */
    public static Map<String, Object> summaryEntry(AdapterTrainer.Result res, AdapterMetadata meta, TrainConfig cfg, TaskDataset data,
            SparseAutoencoder sae, String saeSpec, String modelSpec, int top, String run) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("task", data.task());
        e.put("component", meta.component());
        e.put("sae", sae.id());
        e.put("sae_spec", saeSpec);
        e.put("hook", sae.hookPoint().name());
        e.put("model", modelSpec);
        e.put("trainable_params", meta.trainableParams());
        e.put("base_task_loss", meta.baseTaskLoss());
        e.put("adapted_task_loss", meta.adaptedTaskLoss());
        e.put("train_documents", data.train().size());
        e.put("heldout_documents", data.heldout().size());
        e.put("poisoned_documents", data.stats().poisoned());
        e.put("steps", res.steps());
        e.put("lr", cfg.lr());
        e.put("run", run);
        List<Map<String, Object>> topL = new ArrayList<>();
        for (var l : res.changeSummary().top(top)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("latent", l.latent());
            m.put("mean_abs_delta", l.meanAbsDelta());
            m.put("mean_delta", l.meanDelta());
            m.put("param_change", l.paramChange());
            topL.add(m);
        }
        e.put("top_changed_latents", topL);
        return e;
    }

    public static AdapterMetadata write(Path dir, AdapterTrainer.Result res, TrainConfig cfg, LanguageModel model, String modelSpec,
            SparseAutoencoder sae, String saeSpec, TaskCards.Loaded card, TaskDataset data) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create output folder " + dir, e);
        }
        Adapters.save(res.adapter(), dir);
        Json.writeFile(dir.resolve(CHANGE_SUMMARY), res.changeSummary());
        Map<String, Object> saeInfo = new LinkedHashMap<>();
        saeInfo.put("id", sae.id());
        saeInfo.put("spec", saeSpec);
        saeInfo.put("d_in", sae.dIn());
        saeInfo.put("d_sae", sae.dSae());
        saeInfo.put("activation", sae.activation());
        Map<String, Object> modelInfo = new LinkedHashMap<>();
        modelInfo.put("spec", modelSpec);
        modelInfo.put("model_type", model.config().modelType());
        Map<String, Object> task = new LinkedHashMap<>();
        task.put("name", card.card().name());
        task.put("card", card.file().toString());
        task.put("description", card.card().description());
        task.put("expected_concepts", card.card().expectedConcepts());
        task.put("train_documents", data.train().size());
        task.put("heldout_documents", data.heldout().size());
        task.put("poisoned_documents", data.stats().poisoned());
        task.put("train_windows", res.trainWindows());
        task.put("heldout_windows", res.heldoutWindows());
        Map<String, Object> hp = new LinkedHashMap<>();
        hp.put("optimizer", "adam(beta1=0.9, beta2=0.999, eps=1e-8)");
        hp.put("lr", cfg.lr());
        hp.put("steps", res.steps());
        hp.put("epochs", cfg.epochs());
        hp.put("batch", cfg.batch());
        hp.put("seq", cfg.seq());
        hp.put("l1", cfg.l1());
        hp.put("kl_weight", cfg.klWeight());
        hp.put("kl_text", cfg.klText() == null ? null : cfg.klText().toString());
        hp.put("eval_windows", cfg.evalWindows());
        AdapterMetadata meta = new AdapterMetadata(AdapterMetadata.SCHEMA_VERSION, AdapterMetadata.TYPE, res.adapter().kind().id(),
                res.adapter().architecture(), sae.hookPoint().name(), saeInfo, modelInfo, task, hp, cfg.seed(),
                res.adapter().trainableParams(), res.baseTaskLoss(), res.adaptedTaskLoss(), res.trainTokens(), res.lossCurve(),
                model.manager().getDevice().toString(), res.seconds(), Versions.all(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        Json.writeFile(dir.resolve(METADATA), meta);
        return meta;
    }
}
