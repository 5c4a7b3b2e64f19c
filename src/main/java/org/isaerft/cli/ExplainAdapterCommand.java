package org.isaerft.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.isaerft.activations.LatentId;
import org.isaerft.activations.LatentRecord;
import org.isaerft.explain.adapter.AdapterChangeExplanation;
import org.isaerft.explain.adapter.AdapterExplainResult;
import org.isaerft.explain.adapter.AdapterExplainer;
import org.isaerft.explain.adapter.AdapterFiles;
import org.isaerft.explain.adapter.UnitExplanation;
import org.isaerft.llm.LlmClient;
import org.isaerft.llm.LlmConfig;
import org.isaerft.llm.Prompts;
import org.isaerft.util.AtomicFiles;
import org.isaerft.util.Json;
import org.isaerft.util.Versions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code isaerft explain-adapter}: describes a trained adapter's directions from the latent descriptions. */
@Command(name = "explain-adapter", mixinStandardHelpOptions = true,
        description = {"Explain an adapter: FFNN hidden units as 'when <question>, it <edit>', scale/bias adapters as a change summary.",
            "Offline (from the latent descriptions alone) unless --llm-config is given."})
public final class ExplainAdapterCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--adapter", required = true, description = "adapter folder (with adapter.safetensors) or the .safetensors file")
    Path adapter;

    @Option(names = "--descriptions", required = true, description = "latent_descriptions.json of the adapter's SAE latents")
    Path descriptions;

    @Option(names = "--adapter-id", description = "adapter id (default: the adapter folder's name)")
    String adapterId;

    @Option(names = "--latent-source", description = "latent id source of the SAE (default: the one source of the descriptions)")
    String latentSource;

    @Option(names = "--unit-records", description = "directory of mined records of the hidden units (<adapter>__ffnn__<u>.json)")
    Path unitRecords;

    @Option(names = "--llm-config", description = "LLM config YAML; without it the offline explainer is used")
    Path llmConfig;

    @Mixin
    LlmCacheOption cache = new LlmCacheOption();

    @Option(names = "--top-k", defaultValue = "8", description = "latents listed per side (default ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--out", required = true, description = "output directory")
    Path out;

    @Override
    public Integer call() {
        String id = adapterId != null ? adapterId
                : (Files.isDirectory(adapter) ? adapter : adapter.toAbsolutePath().getParent()).getFileName().toString();
        Map<LatentId, String> desc = AdapterFiles.descriptions(descriptions);
        String source = latentSource != null ? latentSource : AdapterFiles.commonSource(desc, descriptions);
        Map<Integer, LatentRecord> units = unitRecords == null ? Map.of() : AdapterFiles.unitRecords(unitRecords, id);
        AdapterFiles.Loaded loaded = AdapterFiles.load(adapter, id, source, desc, units);
        LlmClient client = null;
        AdapterExplainer explainer;
        if (llmConfig != null) {
            LlmConfig cfg = LlmConfig.load(llmConfig);
            client = cache.client(cfg, out).build();
            explainer = AdapterExplainer.llm(client, Prompts.project(Main.home(spec)), topK, 2);
        } else {
            explainer = AdapterExplainer.offline(topK);
        }
        StringBuilder explained = new StringBuilder();
        StringBuilder failures = new StringBuilder();
        int ok = 0;
        int failed = 0;
        if (loaded.ffnn() != null) {
            Map<String, String> sentences = new TreeMap<>();
            StringBuilder asExplanations = new StringBuilder();
            for (AdapterExplainResult<UnitExplanation> r : explainer.explainUnits(loaded.ffnn())) {
                if (r instanceof AdapterExplainResult.Success<UnitExplanation> s) {
                    explained.append(Json.line(s.value())).append('\n');
                    asExplanations.append(Json.line(s.value().toExplanation())).append('\n');
                    sentences.put(s.value().latent().toString(), s.value().sentence());
                    ok++;
                } else {
                    failures.append(Json.line(failureLine((AdapterExplainResult.Failure<?>) r))).append('\n');
                    failed++;
                }
            }
            write(out.resolve("explanations.jsonl"), asExplanations.toString());
            Json.writeFile(out.resolve("unit_descriptions.json"), sentences);
        } else {
            AdapterExplainResult<AdapterChangeExplanation> r = explainer.explainChange(loaded.vector());
            if (r instanceof AdapterExplainResult.Success<AdapterChangeExplanation> s) {
                explained.append(Json.line(s.value())).append('\n');
                Json.writeFile(out.resolve("change_explanation.json"), s.value());
                System.out.println(s.value().summary());
                ok++;
            } else {
                failures.append(Json.line(failureLine((AdapterExplainResult.Failure<?>) r))).append('\n');
                failed++;
            }
        }
        write(out.resolve("adapter_explanations.jsonl"), explained.toString());
        write(out.resolve("failures.jsonl"), failures.toString());
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("schema_version", 1);
        summary.put("type", "adapter_explain_summary");
        summary.put("adapter_id", id);
        summary.put("kind", loaded.ffnn() != null ? "ffnn" : loaded.vector().kind().id());
        summary.put("latent_source", source);
        summary.put("method", explainer.method());
        summary.put("explained", ok);
        summary.put("failed", failed);
        summary.put("unit_records", units.size());
        summary.put("llm", client == null ? null : client.summary());
        summary.put("versions", Versions.all());
        summary.put("created_at", Instant.now().toString());
        Json.writeFile(out.resolve("summary.json"), summary);
        System.out.printf("%s: %d explained, %d failed -> %s%n", explainer.method(), ok, failed, out);
        return 0;
    }

    private static Map<String, Object> failureLine(AdapterExplainResult.Failure<?> f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema_version", 1);
        m.put("type", "adapter_explain_failure");
        m.put("adapter_id", f.adapterId());
        m.put("unit", f.unit());
        m.put("reason", f.reason());
        m.put("message", f.message());
        m.put("answers", f.answers());
        return m;
    }

    private static void write(Path p, String s) {
        AtomicFiles.write(p, o -> o.write(s.getBytes(StandardCharsets.UTF_8)));
    }

}
