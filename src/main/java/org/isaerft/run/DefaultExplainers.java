package org.isaerft.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.config.ProjectHome;
import org.isaerft.config.RunConfig;
import org.isaerft.explain.LlmExplainer;
import org.isaerft.explain.LogitLensExplainer;
import org.isaerft.explain.TokenStatsExplainer;
import org.isaerft.llm.ChatModels;
import org.isaerft.llm.LlmClient;
import org.isaerft.llm.LlmConfig;
import org.isaerft.llm.Prompt;
import org.isaerft.llm.Prompts;

/**
 * The project's explainers: offline token statistics and logit lens, and the LLM explainer in
 * OpenAI-neuron ({@code llm-oai}) and Delphi ({@code llm-delphi}) style, with the provider from the
 * config's {@code explain.llm} file (API keys only from the environment variable it names).
 */
public final class DefaultExplainers implements ExplainerFactory {
    private final RunConfig config;
    private final ProjectHome home;
    private final java.util.function.Function<String, String> env;

    /** With API keys from the process environment. */
    public DefaultExplainers(RunConfig config, ProjectHome home) {
        this(config, home, System::getenv);
    }

    /**
     * @param home the project whose {@code prompts/} and LLM config paths the explainers use
     * @param env  looks environment variables up by name (tests inject a fake key)
     */
    public DefaultExplainers(RunConfig config, ProjectHome home, java.util.function.Function<String, String> env) {
        if (config == null || home == null || env == null) {
            throw new IllegalArgumentException("the default explainers need a config, a project home and an environment");
        }
        this.config = config;
        this.home = home;
        this.env = env;
    }

    @Override
    public Made create(String method, Path cacheDir) {
        return switch (method) {
            case "token-stats" -> new Made(new TokenStatsExplainer(), null, null);
            case "logit-lens" -> new Made(new LogitLensExplainer(), null, null);
            case "llm-oai", "llm-delphi" -> {
                LlmConfig cfg = LlmConfig.load(home.resolve(config.explain().llm()));
                LlmClient client = LlmClient.builder(ChatModels.create(cfg, env), cfg).env(env).cacheDir(cacheDir).seed(config.seed()).build();
                LlmExplainer e = new LlmExplainer(client, style(method), Prompts.project(home), LlmExplainer.Options.DEFAULT);
                yield new Made(e, client, e.prompt());
            }
            default -> throw new IllegalArgumentException("unknown interpretation method '" + method + "'");
        };
    }

    static LlmExplainer.Style style(String method) {
        return method.equals("llm-oai") ? LlmExplainer.Style.OAI : LlmExplainer.Style.DELPHI;
    }

    /** Ids, versions and hashes of the prompts the config's LLM methods use (empty when fully offline). */
    public static List<Map<String, String>> promptRefs(RunConfig config, ProjectHome home) {
        List<Map<String, String>> refs = new ArrayList<>();
        for (String m : config.explain().methods()) {
            if (RunConfig.LLM_METHODS.contains(m)) {
                Prompt p = Prompts.project(home).load(style(m).promptId());
                Map<String, String> r = new LinkedHashMap<>();
                r.put("method", m);
                r.put("id", p.id());
                r.put("version", p.version());
                r.put("sha256", p.sha256());
                refs.add(r);
            }
        }
        return refs;
    }
}
