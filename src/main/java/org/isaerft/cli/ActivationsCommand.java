package org.isaerft.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.isaerft.hub.ModelSpec;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.SafeTensors;
import org.isaerft.util.Json;
import org.isaerft.util.Versions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code isaerft activations}: runs a batch of token rows through a model and writes each hook's
 * activation (F32, [batch, seq, d]; attention patterns [batch, head, query, key]) under the hook's
 * exact name to a safetensors file, plus {@code logits} [batch, seq, vocab] when asked. Without
 * {@code --logits} the forward pass stops after the last requested hook.
 *
 * <p>The work is in {@link #capture}, which takes extra hooks (e.g. a spliced SAE) to run before
 * the captures, so a command adding {@code --sae} only builds those hooks.
 */
@Command(name = "activations", mixinStandardHelpOptions = true,
        description = "Write hook-point activations (and optionally logits) for token rows to a safetensors file.")
public class ActivationsCommand implements Callable<Integer> {
    public static final String SCHEMA_VERSION = "1";

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    protected ModelOptions modelOptions;

    @Option(names = "--tokens-json", required = true, paramLabel = "JSON",
            description = "Token ids as a JSON array of equal-length rows, e.g. '[[1,2,3],[4,5,6]]'.")
    protected String tokensJson;

    @Option(names = "--hooks", split = ",", paramLabel = "H1,H2,...",
            description = "Hook points (TransformerLens names), e.g. hook_embed,blocks.0.hook_resid_pre,ln_final.hook_normalized.")
    protected List<String> hookNames = new ArrayList<>();

    @Option(names = "--logits", description = "Also write the logits [batch, seq, vocab] as 'logits'.")
    protected boolean logits;

    @Option(names = "--out", required = true, paramLabel = "FILE.safetensors", description = "Output file (written atomically).")
    protected Path out;

    @Mixin
    protected SaeActivationOptions saeOptions = new SaeActivationOptions();

    @Override
    public Integer call() {
        int[][] tokens = parseTokens(tokensJson);
        List<HookPoint> points = parseHooks(hookNames);
        if (points.isEmpty() && !logits && !saeOptions.present()) {
            throw new IllegalArgumentException("nothing to write: give --hooks and/or --logits");
        }
        Map<String, HostTensor> tensors;
        Map<String, String> meta;
        try (ModelOptions.Opened opened = modelOptions.open()) {
            LanguageModel model = opened.model();
            if (saeOptions.present()) {
                try (org.isaerft.sae.Sae sae = saeOptions.open(opened.manager(), modelOptions.quiet)) {
                    org.isaerft.sae.SaeSplice.check(sae, model);
                    if (!points.contains(sae.hookPoint())) {
                        points = new ArrayList<>(points);
                        points.add(sae.hookPoint());
                    }
                    checkAgainstModel(model, tokens, points);
                    Map<String, HostTensor> saeOut = new LinkedHashMap<>();
                    tensors = capture(model, tokens, points, logits, SaeActivationOptions.observe(sae, saeOut));
                    tensors.putAll(saeOut);
                    meta = metadata(opened.spec(), tokens, points);
                    meta.putAll(SaeActivationOptions.metadata(sae));
                }
            } else {
                checkAgainstModel(model, tokens, points);
                tensors = capture(model, tokens, points, logits, Hooks.none());
                meta = metadata(opened.spec(), tokens, points);
            }
        }
        SafeTensors.write(out, tensors, meta);
        var w = spec.commandLine().getOut();
        w.println("wrote " + out + ":");
        tensors.forEach((k, v) -> w.println("  " + k + " " + v.shapeString()));
        w.flush();
        return 0;
    }

    /** The metadata stored with the tensors: schema, model spec (and where it came from), hooks, tokens, versions. */
    protected Map<String, String> metadata(ModelSpec model, int[][] tokens, List<HookPoint> points) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("schema_version", SCHEMA_VERSION);
        meta.put("format", "isaerft.activations");
        meta.put("model", model.spec());
        meta.put("model_dir", model.dir().toString());
        model.alias().ifPresent(a -> {
            meta.put("model_repo", a.repo());
            meta.put("model_revision", a.revision());
        });
        meta.put("hooks", String.join(",", points.stream().map(HookPoint::name).toList()));
        meta.put("logits", Boolean.toString(logits));
        meta.put("tokens", Json.line(tokens));
        meta.put("versions", Json.line(Versions.all()));
        return meta;
    }

    /**
     * One forward pass over {@code tokens} [B, T]: the activation at each point (host F32, in the
     * order given) and {@code logits} when asked. {@code before} runs ahead of the captures at
     * every point (a replacement there is what gets captured and what later layers see).
     */
    public static Map<String, HostTensor> capture(LanguageModel model, int[][] tokens, List<HookPoint> points,
                                                  boolean withLogits, Hooks before) {
        int b = tokens.length;
        int t = tokens[0].length;
        int[] flat = new int[b * t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(tokens[i], 0, flat, i * t, t);
        }
        Map<HookPoint, NDArray> sink = new LinkedHashMap<>();
        Hooks.Builder hb = before.toBuilder();
        for (HookPoint p : points) {
            hb.capture(p, sink);
        }
        if (!withLogits && !points.isEmpty()) {
            hb.stopAt(points.stream().max(HookPoint::compareTo).orElseThrow());
        }
        Map<String, HostTensor> outMap = new LinkedHashMap<>();
        try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
            NDArray ids = m.create(flat, new Shape(b, t));                              // [B, T] int32
            NDArray lg = model.forward(ids, hb.build());                                 // [B, T, V] or null
            for (HookPoint p : points) {
                NDArray a = sink.get(p);
                if (a == null) {
                    throw new IllegalStateException("the model never called hook point " + p + " during the forward pass");
                }
                outMap.put(p.name(), HostTensor.of(a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false)));
            }
            if (withLogits) {
                if (lg == null) {
                    throw new IllegalStateException("the forward pass returned no logits");
                }
                outMap.put("logits", HostTensor.of(lg.toType(DataType.FLOAT32, false)));
            }
        }
        return outMap;
    }

    /** Parses {@code [[...],[...]]}: at least one non-empty row, all rows the same length, non-negative ints. */
    public static int[][] parseTokens(String json) {
        String hint = "--tokens-json: expected a JSON array of equal-length rows of token ids, e.g. '[[1,2,3],[4,5,6]]'";
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(hint + "; not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (root == null || !root.isArray() || root.isEmpty()) {
            throw new IllegalArgumentException(hint + "; found " + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()
                    + (root.isArray() ? " (empty)" : "")));
        }
        int[][] rows = new int[root.size()][];
        for (int i = 0; i < root.size(); i++) {
            JsonNode row = root.get(i);
            if (!row.isArray() || row.isEmpty()) {
                throw new IllegalArgumentException(hint + "; row " + i + " is " + (row.isArray() ? "empty" : "not an array: " + row));
            }
            rows[i] = new int[row.size()];
            for (int j = 0; j < row.size(); j++) {
                JsonNode v = row.get(j);
                if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0) {
                    throw new IllegalArgumentException(hint + "; row " + i + ", position " + j + " is not a token id: " + v);
                }
                rows[i][j] = v.asInt();
            }
            if (rows[i].length != rows[0].length) {
                throw new IllegalArgumentException("--tokens-json: rows must all have the same length: row 0 has "
                        + rows[0].length + " tokens, row " + i + " has " + rows[i].length + " (pad or split them)");
            }
        }
        return rows;
    }

    /** Parses and de-duplicates hook names, keeping the order given. */
    public static List<HookPoint> parseHooks(List<String> names) {
        LinkedHashSet<HookPoint> set = new LinkedHashSet<>();
        for (String n : names) {
            if (!n.isBlank()) {
                HookPoint p = HookPoint.parse(n);
                if (!set.add(p)) {
                    throw new IllegalArgumentException("--hooks: " + p + " is listed twice");
                }
            }
        }
        return List.copyOf(set);
    }

    /** Token ids within the vocabulary, rows within the context, hook points the model has. */
    public static void checkAgainstModel(LanguageModel model, int[][] tokens, List<HookPoint> points) {
        int vocab = model.config().vocabSize();
        int ctx = model.config().contextLength();
        if (tokens[0].length > ctx) {
            throw new IllegalArgumentException("--tokens-json: rows have " + tokens[0].length + " tokens, more than the model's context of " + ctx);
        }
        for (int i = 0; i < tokens.length; i++) {
            for (int j = 0; j < tokens[i].length; j++) {
                if (tokens[i][j] >= vocab) {
                    throw new IllegalArgumentException("--tokens-json: token id " + tokens[i][j] + " at row " + i + ", position " + j
                            + " is outside the vocabulary [0, " + vocab + ")");
                }
            }
        }
        List<HookPoint> available = model.hookPoints();
        for (HookPoint p : points) {
            if (!available.contains(p)) {
                throw new IllegalArgumentException("--hooks: the model (" + model.config().modelType() + ", " + model.config().nLayers()
                        + " layers) has no hook point " + p + "; it has " + available.stream().map(HookPoint::name).toList());
            }
        }
    }
}
