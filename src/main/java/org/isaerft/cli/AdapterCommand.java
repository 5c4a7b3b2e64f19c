package org.isaerft.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.isaerft.adapter.AdapterKind;
import org.isaerft.adapter.AdapterMetadata;
import org.isaerft.adapter.AdapterOutputs;
import org.isaerft.adapter.AdapterTrainer;
import org.isaerft.adapter.FfnnAdapter;
import org.isaerft.adapter.TrainConfig;
import org.isaerft.adapter.task.DatasetBuilder;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.adapter.task.TaskDataset;
import org.isaerft.sae.SparseAutoencoder;
import org.isaerft.util.AtomicFiles;
import org.isaerft.util.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code isaerft adapter train|dataset}: ISaeRFT adapters on SAE latents, and the task datasets they train on. */
@Command(name = "adapter", mixinStandardHelpOptions = true,
        description = "Train ISaeRFT adapters (scale, bias, ffnn) on SAE latents for a task card; inspect task datasets.",
        subcommands = {AdapterCommand.Train.class, AdapterCommand.Suite.class, AdapterCommand.Dataset.class})
public final class AdapterCommand extends GroupCommand {
    /** {@code isaerft adapter dataset --task CARD}: builds a card's dataset and reports its size. */
    @Command(name = "dataset", mixinStandardHelpOptions = true,
            description = "Build a task card's dataset (deterministic from its seeds) and print its size; --out writes the documents as JSONL.")
    public static final class Dataset implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--task", required = true, split = ",", paramLabel = "CARD",
                description = "Task card: a YAML file or a built-in name (benchmarks/suite/tasks/NAME.yaml); comma-separated for several.")
        List<String> tasks;

        @Option(names = "--json", description = "Print the statistics as JSON.")
        boolean json;

        @Option(names = "--out", paramLabel = "FILE",
                description = "Write the documents as JSONL ({id, split, poisoned, text}) to FILE (one task only).")
        Path out;

        @Override
        public Integer call() {
            if (out != null && tasks.size() != 1) {
                throw new IllegalArgumentException("--out needs exactly one --task, found " + tasks.size());
            }
            PrintWriter w = spec.commandLine().getOut();
            Map<String, Object> all = new LinkedHashMap<>();
            if (!json) {
                w.printf("%-16s %8s %8s %8s %8s %8s %10s %10s%n", "task", "read", "matched", "train", "heldout", "poisoned",
                        "train_chr", "heldout_chr");
            }
            for (String t : tasks) {
                TaskCards.Loaded card = TaskCards.load(t, Main.home(spec));
                TaskDataset ds = DatasetBuilder.build(card);
                TaskDataset.Stats s = ds.stats();
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("card", card.file().toString());
                row.put("read", s.read());
                row.put("matched", s.matched());
                row.put("selected", s.selected());
                row.put("train_documents", ds.train().size());
                row.put("heldout_documents", ds.heldout().size());
                row.put("poisoned_documents", s.poisoned());
                row.put("train_chars", s.trainChars());
                row.put("heldout_chars", s.heldoutChars());
                row.put("cased_from_reference", s.casedFromReference());
                row.put("recased", s.recased());
                all.put(card.card().name(), row);
                if (!json) {
                    w.printf("%-16s %8d %8d %8d %8d %8d %10d %10d%n", card.card().name(), s.read(), s.matched(), ds.train().size(),
                            ds.heldout().size(), s.poisoned(), s.trainChars(), s.heldoutChars());
                }
                if (out != null) {
                    AtomicFiles.writeString(out, ds.jsonl());
                }
            }
            if (json) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("schema_version", 1);
                doc.put("tasks", all);
                w.println(Json.write(doc));
            }
            w.flush();
            return 0;
        }
    }

    /** What the adapter training commands share: the model, the SAE and the hyperparameters. */
    abstract static class Training implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        ModelOptions modelOptions;

        @Mixin
        SaeCommand.SaeOptions saeOptions;

        @Mixin
        AdapterTrainOptions train = new AdapterTrainOptions();
    }

    /** {@code isaerft adapter train}. */
    @Command(name = "train", mixinStandardHelpOptions = true,
            description = {
                "Train an adapter on SAE latents for a task card: next-token loss on the card's training texts (optionally "
                        + "+ λ·L1 on the adapter and w·KL(base‖adapted) on neutral text), Adam, seeded; LM and SAE frozen.",
                "Writes DIR/adapter.safetensors, DIR/metadata.json and DIR/change_summary.json (per-latent parameter and "
                        + "held-out activation change, sorted by mean |c'−c|).",
                "Runs on the CPU by default (threads: -Dai.djl.pytorch.num_threads / ISAERFT_THREADS). With --device gpu, "
                        + "DJL uses a CUDA GPU when the PyTorch CUDA natives are available (see the README)."})
    public static final class Train extends Training {
        @Option(names = "--task", required = true, paramLabel = "CARD",
                description = "Task card: a YAML file or a built-in name (benchmarks/suite/tasks/NAME.yaml).")
        String task;

        @Option(names = "--component", required = true, paramLabel = "scale|bias|ffnn", description = "Adapter component.")
        String component;

        @Option(names = "--lr", defaultValue = "0.01", paramLabel = "LR", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
        double lr;

        @Option(names = "--epochs", defaultValue = "0", paramLabel = "E", description = "Passes over the training windows; overrides --steps when > 0.")
        int epochs;

        @Option(names = "--kl-weight", defaultValue = "0", paramLabel = "W", description = "Weight of KL(base‖adapted) on --kl-text (default: off).")
        double klWeight;

        @Option(names = "--kl-text", paramLabel = "FILE", description = "Neutral text (blank-line separated paragraphs) for the KL regulariser.")
        Path klText;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
        Path out;

        @Override
        public Integer call() {
            TrainConfig cfg = train.config(AdapterKind.parse(component), lr).epochs(epochs).klWeight(klWeight).klText(klText).build();
            TaskCards.Loaded card = TaskCards.load(task, Main.home(spec));
            try (ModelOptions.Opened opened = modelOptions.open();
                    SparseAutoencoder sae = saeOptions.open(opened.manager(), modelOptions.quiet)) {
                TaskDataset data = DatasetBuilder.build(card, opened.model());
                System.err.printf("adapter: task %s: %d train / %d held-out documents (%d poisoned)%n", card.card().name(),
                        data.train().size(), data.heldout().size(), data.stats().poisoned());
                AdapterTrainer.Result res = new AdapterTrainer(opened.model(), sae, cfg, System.err).train(data);
                try (var adapter = res.adapter()) {
                    AdapterMetadata meta = AdapterOutputs.write(out, res, cfg, opened.model(), modelOptions.spec(), sae, saeOptions.sae,
                            card, data);
                    PrintWriter w = spec.commandLine().getOut();
                    w.printf("wrote %s: %s adapter, %d parameters, held-out task loss %.4f → %.4f; top changed latents:%n", out,
                            meta.component(), meta.trainableParams(), meta.baseTaskLoss(), meta.adaptedTaskLoss());
                    for (var l : res.changeSummary().top(10)) {
                        w.printf("  latent %6d  mean Δ %+.4f  mean |Δ| %.4f  param %+.4f%n", l.latent(), l.meanDelta(), l.meanAbsDelta(),
                                l.paramChange());
                    }
                    w.flush();
                }
            }
            return 0;
        }
    }

    /** {@code isaerft adapter suite}: every card × component in one process, plus the summary. */
    @Command(name = "suite", mixinStandardHelpOptions = true,
            description = {"Train one adapter per task card × component (same model, SAE and hyperparameters) and write "
                    + "OUT/runs/TASK-COMPONENT/ for each and OUT/summary.json: task, component, sae, trainable_params, "
                    + "base_task_loss, adapted_task_loss (held-out) and the 20 most changed latents."})
    public static final class Suite extends Training {
        @Option(names = "--tasks", defaultValue = "dogs,sad,beach,control,dogs-poisoned", split = ",", paramLabel = "CARD",
                description = "Task cards (default: ${DEFAULT-VALUE}).")
        List<String> tasks;

        @Option(names = "--components", defaultValue = "scale,bias,ffnn", split = ",", paramLabel = "KIND",
                description = "Components (default: ${DEFAULT-VALUE}).")
        List<String> components;

        @Option(names = "--lr", defaultValue = "0.01", split = ",", paramLabel = "LR",
                description = "Adam learning rate: one value, or one per component in --components order (default: ${DEFAULT-VALUE}).")
        List<Double> lr;

        @Option(names = "--top", defaultValue = "20", paramLabel = "K", description = "Changed latents listed per run in the summary (default: ${DEFAULT-VALUE}).")
        int top;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (runs/ and summary.json).")
        Path out;

        @Override
        public Integer call() {
            if (lr.size() != 1 && lr.size() != components.size()) {
                throw new IllegalArgumentException("--lr: give one value or one per component (" + components.size() + "), found " + lr.size());
            }
            List<Map<String, Object>> entries = new java.util.ArrayList<>();
            PrintWriter w = spec.commandLine().getOut();
            try (ModelOptions.Opened opened = modelOptions.open();
                    SparseAutoencoder sae = saeOptions.open(opened.manager(), modelOptions.quiet)) {
                for (String t : tasks) {
                    TaskCards.Loaded card = TaskCards.load(t, Main.home(spec));
                    TaskDataset data = DatasetBuilder.build(card, opened.model());
                    for (int ci = 0; ci < components.size(); ci++) {
                        String c = components.get(ci);
                        double rate = lr.get(lr.size() == 1 ? 0 : ci);
                        TrainConfig cfg = train.config(AdapterKind.parse(c), rate).build();
                        AdapterTrainer.Result res = new AdapterTrainer(opened.model(), sae, cfg, System.err).train(data);
                        try (var adapter = res.adapter()) {
                            Path dir = out.resolve("runs").resolve(card.card().name() + "-" + cfg.component().id());
                            AdapterMetadata meta = AdapterOutputs.write(dir, res, cfg, opened.model(), modelOptions.spec(), sae,
                                    saeOptions.sae, card, data);
                            entries.add(AdapterOutputs.summaryEntry(res, meta, cfg, data, sae, saeOptions.sae, modelOptions.spec(), top,
                                    out.toAbsolutePath().normalize().relativize(dir.toAbsolutePath().normalize()).toString()));
                            w.printf("%-14s %-6s params %7d  held-out loss %.4f -> %.4f%n", card.card().name(), meta.component(),
                                    meta.trainableParams(), meta.baseTaskLoss(), meta.adaptedTaskLoss());
                            w.flush();
                        }
                    }
                }
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("schema_version", 1);
            doc.put("type", "isaerft.adapter_summary");
            doc.put("rank_by", org.isaerft.adapter.ChangeSummary.RANK_BY);
            doc.put("hyperparameters", Map.of("lr", lr, "steps", train.steps, "batch", train.batch, "seq", train.seq, "seed", train.seed,
                    "hidden", train.hidden, "act", train.act, "l1", train.l1, "eval_windows", train.evalWindows));
            doc.put("entries", entries);
            Json.writeFile(out.resolve("summary.json"), doc);
            w.printf("wrote %s%n", out.resolve("summary.json"));
            w.flush();
            return 0;
        }
    }
}
