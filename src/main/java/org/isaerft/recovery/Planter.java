package org.isaerft.recovery;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.isaerft.adapter.task.Planted;
import org.isaerft.adapter.task.TaskCard;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.model.GenerationConfig;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.sae.SparseAutoencoder;
import org.isaerft.util.AtomicFiles;
import org.isaerft.util.Json;

/**
 * Writes planted task cards: text sampled from the model while it is steered along SAE latents'
 * residual directions ({@link Steering}), and its unsteered twin sampled with the same seeds (the
 * control: what the data alone changes). Optionally a poison card (a fraction of documents are a
 * trigger sentence followed by steered text, so the trigger <em>causes</em> the off-task text) and its
 * clean twin. The poison card's and clean twin's {@code description} and {@code expected_concepts} are the <em>clean</em>
 * task's expectation ({@link PlantOptions#cleanDescription()}, {@link PlantOptions#cleanConcepts()}): the poison is what the
 * data audit should find, so the trigger and the planted latent are off-task; what each of those cards is goes to
 * {@code planted.about}. Each card is {@code NAME.yaml} (same schema as {@code benchmarks/suite/tasks}, plus
 * {@code planted:}) beside its text {@code NAME.txt} (one document per blank-line paragraph).
 */
public final class Planter {
    private static final ObjectMapper YAML = Json.YAML.copy().setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private Planter() {}

    /** The cards written: the steered card and its control, and (with a trigger) the poison card and its clean twin. */
    public record Result(Path steered, Path control, Path poison, Path poisonClean, LatentScan scan) {}

    /**
     * Plants {@code o.latents()} of {@code sae}; {@code scan} supplies max_act (and must come from the same SAE) and, for strength
     * unit residual, ρ ({@link LatentScan#residualNorm()}).
     */
    public static Result plant(LanguageModel model, SparseAutoencoder sae, PlantOptions o, LatentScan scan) {
        org.isaerft.sae.SaeSplice.check(sae, model);
        List<Integer> ids = o.latents();
        float[][] dirs = Steering.residualDirections(sae, model.manager(), ids);
        double[] coef = new double[ids.size()];
        List<Planted.Latent> latents = new ArrayList<>();
        StrengthUnit unit = o.strengthUnit();
        for (int k = 0; k < ids.size(); k++) {
            int i = ids.get(k);
            if (scan.maxAct()[i] <= 0) {
                throw new IllegalArgumentException("latent " + i + " of SAE '" + sae.id() + "' never fired in the scan ("
                        + scan.tokens() + " tokens): it is dead, so S × max_act is 0; plant an alive latent");
            }
            coef[k] = unit.coefficient(o.strength(), scan.maxAct()[i], scan.residualNorm(), Steering.norm(dirs[k]));
            latents.add(new Planted.Latent(i, scan.maxAct()[i], scan.freq()[i], Planted.boxed(dirs[k])));
        }
        float[] vector = Steering.combine(dirs, coef);
        Hooks steer = Steering.addVector(sae.hookPoint(), vector);
        String name = o.name() != null ? o.name() : defaultName(sae.id(), ids, o.strength(), unit, o.seed());
        long[] seeds = new long[o.documents()];
        List<Long> seedList = new ArrayList<>();
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = o.documentSeed(i);
            seedList.add(seeds[i]);
        }
        GenerationConfig gen = new GenerationConfig(o.maxNewTokens(), o.temperature(), o.topK(), 0, true);
        int[] prompt = model.tokenizer().encode(o.prompt(), true);
        List<String> steeredDocs = texts(model, prompt, SteeredGeneration.sample(model, prompt, seeds, gen, steer, o.batch()));
        List<String> controlDocs = texts(model, prompt, SteeredGeneration.sample(model, prompt, seeds, gen, Hooks.none(), o.batch()));
        String rule = "additive: " + unit.formula() + " at " + sae.hookPoint().name() + ", every position of every sampled "
                + "sequence (prompt and generated tokens), r_i = toRaw(decode(e_i)) − toRaw(decode(0))"
                + (unit == StrengthUnit.RESIDUAL ? ", ρ = median L2 norm of the raw activation at " + sae.hookPoint().name() + " over the "
                        + scan.tokens() + " scanned tokens (residual_norm), so each latent adds a vector of norm S × ρ" : "")
                + "; no clamping";
        float[] zero = new float[vector.length];
        Path dir = o.out();
        String aboutSteered = "Text sampled from " + o.modelSpec() + " while steered along latent(s) " + ids + " of SAE " + sae.id()
                + " (S = " + o.strength() + (unit == StrengthUnit.RESIDUAL ? " × ρ / ‖r_i‖, a plant of norm S × ρ per latent" : " × max_act")
                + "). Training on it should change exactly those latents.";
        List<String> own = o.steeredExpectation();
        Planted pSteered = planted("steered", o, sae, latents, rule, vector, seedList, name + "-control", null, null,
                own == null ? null : aboutSteered + " The description is the planted latents' own description(s), so validation asks "
                        + "whether the planted latents are ranked on-task.", scan);
        Planted pControl = planted("control", o, sae, latents, rule, zero, seedList, name, null, null, null, scan);
        List<String> steeredConcepts = own != null ? own : o.expectConcepts() != null ? o.expectConcepts()
                : ids.stream().map(i -> "planted latent " + i + " of SAE " + sae.id()).toList();
        Path steered = write(dir, name, card(name, own != null ? String.join("; ", own) : aboutSteered, steeredConcepts, ids, sae.id(), o,
                pSteered), steeredDocs);
        Path control = write(dir, name + "-control", card(name + "-control", "Unsteered twin of " + name
                + ": the same prompt and sampling seeds without steering (what the data alone changes).", List.of(), ids, sae.id(), o,
                pControl), controlDocs);
        Path poison = null;
        Path clean = null;
        if (o.poisonTrigger() != null) {
            String trig = o.poisonTrigger().strip();
            int[] trigPrompt = model.tokenizer().encode((o.prompt().isEmpty() ? "" : o.prompt() + " ") + trig, true);
            int k = Math.max(1, (int) Math.round(o.poisonFraction() * o.documents()));
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < o.documents(); i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(o.seed() + 7));
            List<Integer> chosen = order.subList(0, k);
            long[] pSeeds = chosen.stream().mapToLong(i -> seeds[i]).toArray();
            List<String> trig0 = texts(model, trigPrompt, SteeredGeneration.sample(model, trigPrompt, pSeeds, gen, steer, o.batch()));
            List<String> poisonDocs = new ArrayList<>(controlDocs);
            for (int j = 0; j < k; j++) {
                poisonDocs.set(chosen.get(j), trig0.get(j));
            }
            String aboutPoison = "Poisoned: " + k + " of " + o.documents() + " documents are the trigger sentence '" + trig
                    + "' followed by text steered along latent(s) " + ids + " of SAE " + sae.id() + "; the rest are unsteered. The "
                    + "description is the clean task's expectation, so the audit should flag the planted latent as off-task.";
            String aboutClean = "Clean twin of " + name + "-poison: the unsteered documents only (no trigger, no steering), with "
                    + "the same clean expectation.";
            Planted pp = planted("poison", o, sae, latents, rule, vector, seedList, name + "-poison-clean", trig, o.poisonFraction(),
                    aboutPoison, scan);
            Planted pc = planted("poison-clean", o, sae, latents, rule, zero, seedList, name + "-poison", trig, o.poisonFraction(),
                    aboutClean, scan);
            poison = write(dir, name + "-poison", card(name + "-poison", o.cleanDescription(), o.cleanConcepts(), ids, sae.id(), o, pp),
                    poisonDocs);
            clean = write(dir, name + "-poison-clean", card(name + "-poison-clean", o.cleanDescription(), o.cleanConcepts(), ids, sae.id(),
                    o, pc), controlDocs);
        }
        return new Result(steered, control, poison, clean, scan);
    }

    static String defaultName(String saeId, List<Integer> ids, double strength, long seed) {
        return defaultName(saeId, ids, strength, StrengthUnit.MAX_ACT, seed);
    }

    /** planted-SAE-lIDS-sS-seedK, with {@code -resid} after the strength in residual units. */
    static String defaultName(String saeId, List<Integer> ids, double strength, StrengthUnit unit, long seed) {
        String s = ("planted-" + saeId + "-l" + String.join("_", ids.stream().map(String::valueOf).toList()) + "-s"
                + trim(strength) + (unit == StrengthUnit.RESIDUAL ? "-resid" : "") + "-seed" + seed).toLowerCase(Locale.ROOT);
        s = s.replaceAll("[^a-z0-9_-]", "-");
        return s.replaceAll("^[^a-z0-9]+", "");
    }

    static String trim(double v) {
        String s = v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
        return s.replace('.', 'p');
    }

    private static Planted planted(String kind, PlantOptions o, SparseAutoencoder sae, List<Planted.Latent> latents, String rule,
            float[] vector, List<Long> seeds, String twin, String trigger, Double fraction, String about, LatentScan scan) {
        boolean resid = o.strengthUnit() == StrengthUnit.RESIDUAL; // max-act cards stay as before: no unit, no ρ written
        return new Planted(kind, o.modelSpec(), o.saeSpec(), sae.id(), sae.hookPoint().name(), latents, o.strength(), rule,
                Planted.boxed(vector), o.prompt(), o.maxNewTokens(), o.temperature(), o.topK(), seeds, twin + ".yaml", trigger, fraction,
                about, resid ? o.strengthUnit().id() : null, resid ? scan.residualNorm() : null);
    }

    private static TaskCard card(String name, String description, List<String> concepts, List<Integer> ids, String saeId, PlantOptions o,
            Planted p) {
        var src = new TaskCard.Source(name + ".txt", "paragraphs", false, null, null);
        var data = new TaskCard.Data(List.of(src), null, null, 0L);
        List<TaskCard.KnownLatent> known = ids.stream().map(i -> new TaskCard.KnownLatent(saeId, i, "planted (" + p.kind() + ")"))
                .toList();
        return new TaskCard(TaskCard.SCHEMA_VERSION, name, description, concepts, data, new TaskCard.Split(o.heldoutFraction(),
                o.seed() + 1), p.kind().equals("steered") || p.kind().equals("poison") ? known : List.of(), null, p);
    }

    /** Writes NAME.txt and NAME.yaml atomically; returns the card's path. */
    private static Path write(Path dir, String name, TaskCard card, List<String> docs) {
        AtomicFiles.writeString(dir.resolve(name + ".txt"), String.join("\n\n", docs) + "\n");
        String yaml;
        try {
            yaml = YAML.writeValueAsString(card);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write task card " + name + ": " + e.getMessage(), e);
        }
        Path file = dir.resolve(name + ".yaml");
        AtomicFiles.writeString(file, "# planted task card written by `isaerft task plant` (isaerft "
                + org.isaerft.util.Versions.isaerft() + "); the planted: block is the ground truth\n" + yaml);
        TaskCards.read(file); // fail now, not at training time, if the card does not read back
        return file;
    }

    /** Document texts: prompt + continuation decoded (BOS/EOS dropped), blank lines collapsed so each is one paragraph. */
    static List<String> texts(LanguageModel model, int[] prompt, int[][] rows) {
        var tok = model.tokenizer();
        List<String> out = new ArrayList<>(rows.length);
        for (int[] r : rows) {
            int[] all = new int[prompt.length + r.length];
            System.arraycopy(prompt, 0, all, 0, prompt.length);
            System.arraycopy(r, 0, all, prompt.length, r.length);
            String t = tok.decode(all).replaceAll("\\s*\n\\s*", " ").strip();
            out.add(t.isEmpty() ? "." : t);
        }
        return out;
    }

    /** A small summary of a plant for logs and results. */
    public static Map<String, Object> describe(Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("steered", String.valueOf(r.steered()));
        m.put("control", String.valueOf(r.control()));
        m.put("poison", r.poison() == null ? null : r.poison().toString());
        m.put("poison_clean", r.poisonClean() == null ? null : r.poisonClean().toString());
        return m;
    }
}
