package org.isaerft.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.config.ProjectHome;
import org.isaerft.config.RunConfig;
import org.isaerft.hub.ModelRegistry;
import org.isaerft.llm.LlmConfig;
import org.isaerft.model.HookPoint;
import org.isaerft.run.stages.SaesStage;
import org.isaerft.sae.PretrainedSaes;

/**
 * Everything a run needs, checked before the first stage without loading or downloading anything: the corpus path
 * (exists, not empty), the model (a directory or an alias of the model registry), every SAE spec (a local path, a
 * catalogue RELEASE/ID, or a {@code train} section) and hook, every task card, and the LLM config of LLM methods and
 * scorers with its API-key variable set. {@link #problems()} lists all problems at once; {@code isaerft run --check}
 * prints them.
 */
public final class RunCheck {
    private final RunConfig config;
    private final ProjectHome home;
    private final Function<String, String> env;

    /**
     * @param home the project the config's relative paths, aliases, catalogue releases and task cards are resolved in
     * @param env  looks environment variables (the LLM config's key variable) up by name
     */
    public RunCheck(RunConfig config, ProjectHome home, Function<String, String> env) {
        if (config == null || home == null || env == null) {
            throw new IllegalArgumentException("a run check needs a config, a project home and an environment");
        }
        this.config = config;
        this.home = home;
        this.env = env;
    }

    /** Every problem, each naming the config key, what was expected and what was found; empty when the run can start. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        corpus(out);
        model(out);
        saes(out);
        tasks(out);
        llm(out);
        recovery(out);
        return out;
    }

    /** The recovery SAEs share one hook (the plant is a residual direction at that hook). */
    private void recovery(List<String> out) {
        RunConfig.RecoverySection r = config.recovery();
        if (r == null) {
            return;
        }
        java.util.Set<String> hooks = new java.util.TreeSet<>();
        for (RunConfig.SaeSection s : config.saes()) {
            if ((r.saes().isEmpty() || r.saes().contains(s.name())) && s.hook() != null) {
                hooks.add(s.hook());
            }
        }
        if (hooks.size() > 1) {
            out.add("recovery.saes: expected SAEs at one hook (list them in recovery.saes), found hooks " + hooks);
        }
    }

    private void corpus(List<String> out) {
        Path p = home.resolve(config.corpus().path());
        try {
            if (!Files.exists(p)) {
                out.add("corpus.path: " + p + " does not exist");
            } else if (Files.isRegularFile(p) && Files.size(p) == 0) {
                out.add("corpus.path: " + p + " is empty (no documents to mine)");
            } else if (Files.isDirectory(p)) {
                try (var s = Files.list(p)) {
                    if (s.findAny().isEmpty()) {
                        out.add("corpus.path: folder " + p + " has no files (no documents to mine)");
                    }
                }
            }
        } catch (IOException e) {
            out.add("corpus.path: cannot read " + p + ": " + e.getMessage());
        }
    }

    private void model(List<String> out) {
        String m = config.model();
        if (Files.isDirectory(Path.of(m)) || Files.isDirectory(home.resolve(m))) {
            return;
        }
        try {
            ModelRegistry reg = ModelRegistry.project(home);
            if (reg.get(m).isEmpty()) {
                out.add("model: '" + m + "' is neither a model directory nor an alias in " + reg.source() + " (aliases: "
                        + String.join(", ", reg.aliases()) + ")");
            }
        } catch (RuntimeException e) {
            out.add("model: cannot read the model registry to resolve '" + m + "': " + e.getMessage());
        }
    }

    private void saes(List<String> out) {
        PretrainedSaes catalogue = null;
        for (RunConfig.SaeSection s : config.saes()) {
            String key = "saes[" + s.name() + "]";
            if (s.hook() != null) {
                try {
                    HookPoint.parse(s.hook());
                } catch (RuntimeException e) {
                    out.add(key + ".hook: " + e.getMessage());
                }
            }
            String spec = s.spec();
            if (s.train() != null && SaesStage.missing(spec, home)) {
                if (s.hook() == null) {
                    out.add(key + ".hook: a hook point is required to train an SAE");
                }
                continue; // trained by the saes stage
            }
            if (spec == null) {
                out.add(key + ".spec: expected a path or catalogue RELEASE/ID (or a train section), found none");
            } else if (!Files.exists(home.resolve(spec))) {
                int slash = spec.indexOf('/');
                if (slash < 0 || spec.startsWith("/")) {
                    out.add(key + ".spec: " + home.resolve(spec) + " does not exist");
                    continue;
                }
                if (catalogue == null) {
                    Path cat = home.saeCatalogue();
                    if (!Files.exists(cat)) {
                        out.add(key + ".spec: '" + spec + "' is not a local path and there is no SAE catalogue (" + cat + ")");
                        continue;
                    }
                    catalogue = PretrainedSaes.load(cat);
                }
                Optional<PretrainedSaes.Release> r = catalogue.release(spec.substring(0, slash));
                if (r.isEmpty()) {
                    out.add(key + ".spec: '" + spec + "' is neither a local path (" + home.resolve(spec) + ") nor a release of "
                            + catalogue.source() + " (releases: " + String.join(", ", catalogue.releases().keySet()) + ")");
                } else {
                    try {
                        r.get().sae(spec.substring(slash + 1));
                    } catch (IllegalArgumentException e) {
                        out.add(key + ".spec: " + e.getMessage());
                    }
                }
            }
        }
    }

    private void tasks(List<String> out) {
        if (config.adapters() == null) {
            return;
        }
        for (String t : config.adapters().tasks()) {
            try {
                TaskCards.load(t, home);
            } catch (RuntimeException e) {
                out.add("adapters.tasks: card '" + t + "': " + e.getMessage());
            }
        }
    }

    private void llm(List<String> out) {
        boolean needed = config.explain().methods().stream().anyMatch(RunConfig.LLM_METHODS::contains)
                || config.score().scorers().stream().anyMatch(s -> !s.equals("embedding"));
        if (!needed || config.explain().llm() == null) {
            return;
        }
        Path p = home.resolve(config.explain().llm());
        LlmConfig cfg;
        try {
            cfg = LlmConfig.load(p);
        } catch (RuntimeException e) {
            out.add("explain.llm: " + e.getMessage());
            return;
        }
        if (cfg.apiKeyEnv() != null) {
            String v = env.apply(cfg.apiKeyEnv());
            if (v == null || v.isBlank()) {
                out.add("explain.llm: environment variable " + cfg.apiKeyEnv() + " (api_key_env of " + p + ") is not set");
            }
        }
    }
}
