package org.isaerft.run;

import ai.djl.ndarray.NDManager;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.isaerft.config.ProjectHome;
import org.isaerft.config.RunConfig;
import org.isaerft.hub.HubClient;
import org.isaerft.hub.HubFile;
import org.isaerft.hub.ModelRegistry;
import org.isaerft.hub.ModelSpec;
import org.isaerft.llm.LlmRunSummary;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelFamilies;
import org.isaerft.run.layout.RunLayout;
import org.isaerft.sae.Sae;
import org.isaerft.sae.SaeResolver;

/**
 * What every stage of one pipeline invocation shares: the config, the project home (configs, prompts, task cards,
 * {@code ${shared}}), the run folder's {@link RunLayout},
 * the log, the hub client, the explainer factory, the language model (loaded once, on first use) and
 * the LLM usage the stages report for {@code run_config.json}.
 */
public final class StageContext implements AutoCloseable {
    private final RunConfig config;
    private final ProjectHome home;
    private final RunLayout layout;
    private final PrintStream log;
    private final HubClient hub;
    private final ExplainerFactory explainers;
    private final Function<String, String> env;
    private final Map<String, LlmRunSummary> llmUsage = new LinkedHashMap<>();
    private LanguageModel model;
    private NDManager manager;

    /** @param env looks environment variables (LLM API keys) up by name */
    public StageContext(RunConfig config, ProjectHome home, RunLayout layout, PrintStream log, HubClient hub, ExplainerFactory explainers,
            Function<String, String> env) {
        if (config == null || home == null || layout == null) {
            throw new IllegalArgumentException("a stage context needs a config, a project home and a run layout");
        }
        this.config = config;
        this.home = home;
        this.layout = layout;
        this.log = log;
        this.hub = hub;
        this.explainers = explainers;
        this.env = env;
    }

    public Function<String, String> env() {
        return env;
    }

    public RunConfig config() {
        return config;
    }

    /** The project home: config-relative paths, {@code ${shared}}, task cards, prompts, the model registry and SAE catalogue. */
    public ProjectHome home() {
        return home;
    }

    public RunLayout layout() {
        return layout;
    }

    public PrintStream log() {
        return log;
    }

    public HubClient hub() {
        return hub;
    }

    public ExplainerFactory explainers() {
        return explainers;
    }

    /** LLM usage per explain/score run ("explain/SAE/METHOD" → summary). */
    public Map<String, LlmRunSummary> llmUsage() {
        return llmUsage;
    }

    /** The run's language model, loaded on first use. */
    public LanguageModel model() {
        if (model == null) {
            ModelSpec spec = ModelSpec.resolve(config.model(), ModelRegistry.project(home), hub);
            manager = NDManager.newBaseManager();
            model = ModelFamilies.load(spec.dir(), manager);
            log.printf("  model %s (%s) loaded%n", config.model(), model.config().modelType());
        }
        return model;
    }

    /** The SAEs of the run, as the saes stage recorded them. */
    public List<SaeInfo> saes() {
        return RunCodec.read(layout.saes(), SaesDocument.class).saes();
    }

    /** Opens an SAE of the run on the model's manager (its spec relative to the run folder when the saes stage trained it). */
    public Sae openSae(SaeInfo info) {
        String spec = info.spec();
        if (!Path.of(spec).isAbsolute() && Files.exists(layout.resolve(spec))) { // trained by the saes stage: inside the run folder
            spec = layout.resolve(spec).toString();
        }
        return openSae(spec, info.hook(), model().manager(), hub, home);
    }

    /**
     * Opens an SAE spec of a run config with {@link SaeResolver#open}: a path relative to the project home (or
     * {@code ${shared}/…}), or a catalogue RELEASE/ID fetched through the hub.
     */
    public static Sae openSae(String spec, String hook, NDManager parent, HubClient hub, ProjectHome home) {
        String s = spec;
        if (!spec.contains("/") || Files.exists(home.resolve(spec))) {
            s = home.resolve(spec).toString();
        }
        return SaeResolver.open(s, hook, home.saeCatalogue(), (repo, revision, path) -> hub.fetch(HubFile.model(repo, revision, path)), parent);
    }

    @Override
    public void close() {
        if (model != null) {
            model.close();
            manager.close();
            model = null;
            manager = null;
        }
    }
}
