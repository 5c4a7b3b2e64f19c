package org.isaerft.score;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.isaerft.activations.LatentRecord;
import org.isaerft.explain.Explanation;
import org.isaerft.llm.Message;
import org.isaerft.llm.Prompt;
import org.isaerft.llm.Prompts;
import org.isaerft.llm.Usage;

/**
 * The shared machinery of Delphi's detection and fuzzing scorers (Paulo et al. 2024): the held-out
 * items of a latent are shuffled with a seed (derived from the run seed and the latent, so the
 * shuffled-explanation baseline sees the very same items), sent to a judge LLM in batches of
 * {@value #BATCH} (temperature 0 is the LLM config's default and should be kept), and the judge answers a list of 0/1 per batch. Metrics:
 * balanced accuracy (the headline value), accuracy, F1, precision, recall and, when every
 * answer came with log-probabilities, AUROC of P(1)/(P(0)+P(1)).
 */
public abstract class JudgeScorer implements Scorer {
    public static final int BATCH = 5;
    private static final Pattern LIST = Pattern.compile("\\[([^\\[\\]]*)]");

    private final ScoringLlm llm;
    private final Prompt prompt;
    protected final long seed;

    protected JudgeScorer(ScoringLlm llm, Prompts prompts, String promptId, long seed) {
        this.llm = llm;
        this.prompt = prompts.load(promptId);
        this.seed = seed;
    }

    /**
     * One example as the judge sees it.
     *
     * @param text        the text shown (with {@code <<highlights>>} for fuzzing)
     * @param label       the right answer
     * @param highlighted highlighted token positions (null for detection)
     */
    public record Item(String ref, String text, boolean label, int[] highlighted) {}

    /** The latent's judged items, built deterministically from {@code itemSeed}. */
    protected abstract List<Item> items(LatentRecord record, long itemSeed);

    /** The seed for a latent's items and batch order: independent of the explanation. */
    protected long itemSeed(LatentRecord record) {
        return ScoreMath.seedFor(seed, name() + "|" + record.id());
    }

    @Override
    public String model() {
        return llm.name();
    }

    @Override
    public List<Score.PromptRef> prompts() {
        return List.of(Score.PromptRef.of(prompt));
    }

    @Override
    public String valueMetric() {
        return "balanced_accuracy";
    }

    @Override
    public List<ScoreSummary.ChanceLevel> chanceLevels(List<LatentRecord> records) {
        double accNo = 0;
        double f1Yes = 0;
        int n = 0;
        for (LatentRecord r : records) {
            List<Item> items = items(r, itemSeed(r));
            int pos = (int) items.stream().filter(Item::label).count();
            int neg = items.size() - pos;
            if (pos == 0 || neg == 0) {
                continue; // such latents are undefined, so they do not enter the means either
            }
            accNo += neg / (double) items.size();
            f1Yes += 2.0 * pos / (2.0 * pos + neg);
            n++;
        }
        List<ScoreSummary.ChanceLevel> out = new ArrayList<>();
        out.add(new ScoreSummary.ChanceLevel("balanced_accuracy", "any constant answer", 0.5));
        out.add(new ScoreSummary.ChanceLevel("auroc", "constant or random P(1)", 0.5));
        if (n > 0) {
            out.add(new ScoreSummary.ChanceLevel("accuracy", "always \"no\" (0)", accNo / n));
            out.add(new ScoreSummary.ChanceLevel("f1", "always \"yes\" (1)", f1Yes / n));
        }
        return out;
    }

    @Override
    public Score score(LatentRecord record, Explanation explanation) {
        Score.ExplanationRef ref = Score.ExplanationRef.of(explanation);
        Score.PromptRef pref = Score.PromptRef.of(prompt);
        List<Item> items = ScoreMath.shuffled(items(record, itemSeed(record)), itemSeed(record) ^ 0x5DEECE66DL);
        if (items.isEmpty()) {
            return Score.undefined(record.id(), ref, name(), new Score.Undefined(Score.Reason.NO_EXAMPLES, "no held-out examples to judge"),
                    null, null, pref, null);
        }
        long pos = items.stream().filter(Item::label).count();
        if (pos == 0 || pos == items.size()) {
            return Score.undefined(record.id(), ref, name(), new Score.Undefined(Score.Reason.SINGLE_CLASS,
                    "all " + items.size() + " held-out items are " + (pos == 0 ? "negatives" : "positives")), null, null, pref, null);
        }
        Usage usage = Usage.NONE;
        boolean[] predicted = new boolean[items.size()];
        double[] prob = new double[items.size()];
        boolean allProbabilities = true;
        for (int start = 0; start < items.size(); start += BATCH) {
            List<Item> batch = items.subList(start, Math.min(items.size(), start + BATCH));
            Map<String, Object> vars = Map.of("explanation", explanation.description(), "examples", render(batch),
                    "n_examples", batch.size());
            ScoringLlm.Reply reply;
            try {
                reply = llm.complete(Message.render(prompt, vars), null);
            } catch (ScoringLlm.CallFailed e) {
                return Score.undefined(record.id(), ref, name(), new Score.Undefined(Score.Reason.LLM_ERROR,
                        "batch " + (start / BATCH) + ": " + e.getMessage()), null, null, pref, usage);
            }
            usage = usage.plus(reply.usage());
            Answer answer = null;
            LogprobReader reader = reply.hasLogprobs() ? new LogprobReader(reply.logprobs()) : null;
            if (reader != null) {
                answer = parseAnswer(reader.text(), batch.size());
            }
            if (answer == null) {
                reader = null; // offsets would not refer to reply.text()
                answer = parseAnswer(reply.text(), batch.size());
            }
            if (answer == null) {
                llm.parseFailure();
                return Score.undefined(record.id(), ref, name(), new Score.Undefined(Score.Reason.UNPARSEABLE_ANSWER,
                        "batch " + (start / BATCH) + ": expected a list of " + batch.size() + " values 0/1; answer starts: "
                                + SimulationScorer.snippet(reply.text())), null, null, pref, usage);
            }
            for (int i = 0; i < batch.size(); i++) {
                predicted[start + i] = answer.values[i];
                var dist = reader == null ? java.util.Optional.<double[]>empty() : reader.distributionAt(answer.offsets[i], 1);
                if (dist.isPresent()) {
                    prob[start + i] = dist.get()[1];
                } else {
                    allProbabilities = false;
                    prob[start + i] = Double.NaN;
                }
            }
        }
        boolean[] labels = new boolean[items.size()];
        List<Score.ExampleDetail> details = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            labels[i] = it.label();
            details.add(new Score.ExampleDetail(it.ref(), it.label(), predicted[i], Double.isNaN(prob[i]) ? null : prob[i], null,
                    it.highlighted(), null, null));
        }
        return fromPredictions(record.id(), ref, name(), labels, predicted, allProbabilities ? prob : null, details, pref, usage);
    }

    /** The metric step alone (labels vs answers, optional probabilities). */
    static Score fromPredictions(org.isaerft.activations.LatentId latent, Score.ExplanationRef ref, String scorer, boolean[] labels,
            boolean[] predicted, double[] probabilities, List<Score.ExampleDetail> details, Score.PromptRef prompt,
            Usage usage) {
        ScoreMath.Confusion c = ScoreMath.Confusion.of(predicted, labels);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("n_items", (double) c.n());
        metrics.put("n_positive", (double) (c.tp() + c.fn()));
        metrics.put("accuracy", boxed(c.accuracy()));
        metrics.put("balanced_accuracy", boxed(c.balancedAccuracy()));
        metrics.put("f1", boxed(c.f1()));
        metrics.put("precision", boxed(c.precision()));
        metrics.put("recall", boxed(c.recall()));
        metrics.put("auroc", probabilities == null ? null : boxed(ScoreMath.auroc(probabilities, labels)));
        OptionalDouble ba = c.balancedAccuracy();
        if (ba.isEmpty()) {
            return Score.undefined(latent, ref, scorer, new Score.Undefined(Score.Reason.SINGLE_CLASS,
                    "balanced accuracy needs positives and negatives"), metrics, details, prompt, usage);
        }
        return Score.defined(latent, ref, scorer, ba.getAsDouble(), metrics, details, prompt, usage);
    }

    static Double boxed(OptionalDouble d) {
        return d.isPresent() ? d.getAsDouble() : null;
    }

    /** "Example 1: …" lines. */
    static String render(List<Item> batch) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < batch.size(); i++) {
            if (i > 0) {
                sb.append('\n');
            }
            sb.append("Example ").append(i + 1).append(": ").append(batch.get(i).text().replace("\n", "\\n"));
        }
        return sb.toString();
    }

    record Answer(boolean[] values, int[] offsets) {}

    private static final Pattern BARE = Pattern.compile("[ \\t]*[01](?:[ \\t]*,?[ \\t]*[01])*[ \\t]*");
    private static final Pattern DIGIT = Pattern.compile("[01]");

    /**
     * The last bracketed list in the text holding exactly n entries that are all 0 or 1; failing
     * that, a last line made only of n digits 0/1 (separated by commas or spaces); null if neither.
     */
    static Answer parseAnswer(String text, int n) {
        Answer listed = parseList(text, n);
        if (listed != null) {
            return listed;
        }
        int end = text.length();
        while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        int start = text.lastIndexOf('\n', end - 1) + 1;
        if (end <= start || !BARE.matcher(text.substring(start, end)).matches()) {
            return null;
        }
        Matcher d = DIGIT.matcher(text.substring(start, end));
        boolean[] v = new boolean[n];
        int[] off = new int[n];
        int i = 0;
        while (d.find()) {
            if (i == n) {
                return null;
            }
            v[i] = d.group().equals("1");
            off[i] = start + d.start();
            i++;
        }
        return i == n ? new Answer(v, off) : null;
    }

    private static Answer parseList(String text, int n) {
        Matcher m = LIST.matcher(text);
        Answer last = null;
        while (m.find()) {
            String body = m.group(1);
            String[] parts = body.split(",", -1);
            if (parts.length != n) {
                continue;
            }
            boolean[] v = new boolean[n];
            int[] off = new int[n];
            int cursor = m.start(1);
            boolean ok = true;
            for (int i = 0; i < n && ok; i++) {
                String p = parts[i];
                String t = p.strip();
                if (!t.equals("0") && !t.equals("1")) {
                    ok = false;
                    break;
                }
                v[i] = t.equals("1");
                off[i] = cursor + p.indexOf(t);
                cursor += p.length() + 1;
            }
            if (ok) {
                last = new Answer(v, off);
            }
        }
        return last;
    }
}
