package org.isaerft.validate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.isaerft.score.MultipleTesting;
import org.isaerft.score.ScoreMath;
import org.isaerft.util.Json;

/**
 * The comparison table across interpretation methods (each method plus its shuffled-description
 * and random-latent controls) and across SAE types on the same task cards, and the paired test of
 * "do e2e SAEs suit interpretable fine-tuning better?".
 *
 * <p>SAE type is read from the SAE id: containing "downstream" (or "e2e_ds", "e2eds") →
 * {@code e2e+downstream}; else containing "e2e" → {@code e2e}; else containing "local" →
 * {@code local}; otherwise the id itself.
 *
 * <p>Paired test: for each pair of SAE types (B vs A), each method and component, the cards where
 * both have a validation give d = AUROC_B − AUROC_A (and the same for Spearman). Cards without
 * expected concepts (the control) are excluded, since they carry no expectation to match.
 * Reported: mean d, a bootstrap 95% CI over cards, and a two-sided sign-flip permutation p-value
 * (exact over all 2^n sign patterns when n ≤ 16, else 10,000 seeded flips, +1 correction).
 *
 * <p>Many comparisons: every p-value column gets Benjamini–Hochberg q-values
 * ({@link MultipleTesting#benjaminiHochberg}) over the rows of its family. Families: the method rows
 * (AUROC p and Spearman p separately), the control rows (shuffled-description rows and the method rows of
 * the control tasks, again per column), the paired differences, and the adapter-direction rows (findings
 * and control-task rows separately). Control rows are labelled ({@code is_control}, {@code control}:
 * {@code shuffled}, {@code random-latents}, {@code control-card}); a control row with q &lt; 0.05 is a
 * warning, never a finding ({@link #warnings}).
 *
 * <p>Over 400 lines because the table, its paired tests, the q-value families and the Markdown
 * rendering are one document format; splitting them would spread one schema over several files.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Comparison(
        @JsonProperty("schema_version") int schemaVersion,
        String type,
        List<Row> rows,
        List<Paired> paired,
        List<DirectionRow> directions,
        List<String> inputs,
        List<String> excludedTasks,
        String correction,
        List<String> warnings) {
    public static final int SCHEMA_VERSION = 1;
    public static final String TYPE = "comparison";
    /** The significance level of the warnings and of the q-value counts. */
    public static final double ALPHA = 0.05;
    public static final String CORRECTION = "Benjamini-Hochberg q-values (false discovery rate) within each family: method rows, "
            + "control rows, paired differences, direction rows (findings) and direction rows (control tasks); AUROC and "
            + "Spearman columns separately";

    /** One line of the table: a method (or control) on one task × SAE × component. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Row(String task, String saeType, String sae, String component, String method, String control, Double auroc,
            RankStats.Interval aurocCi, Double pAuroc, Double spearman, RankStats.Interval spearmanCi, Double pSpearman,
            Double precisionAtK, Double baseRate, Integer nFlagged, Integer auditK, Double triggerRecall, int nLatents,
            boolean triggerChecked, Double qAuroc, Double qSpearman, boolean isControl) {
        Row withQ(Double qa, Double qs) {
            return new Row(task, saeType, sae, component, method, control, auroc, aurocCi, pAuroc, spearman, spearmanCi, pSpearman,
                    precisionAtK, baseRate, nFlagged, auditK, triggerRecall, nLatents, triggerChecked, qa, qs, isControl);
        }
    }

    /** The paired difference B − A across cards. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Paired(String metric, String method, String component, String saeA, String saeB, List<String> tasks,
            List<Double> differences, double meanDifference, RankStats.Interval ci, double pTwoSided, String pMethod, Double qTwoSided) {
        Paired withQ(Double q) {
            return new Paired(metric, method, component, saeA, saeB, tasks, differences, meanDifference, ci, pTwoSided, pMethod, q);
        }
    }

    /**
     * One field (question / edit / …) of an adapter's direction validation: is the own task the most
     * relevant of the cards to the explanations of the adapter's directions?
     *
     * @param ownRank  rank of the own task by mean relevance among {@code nTasks} (1 = most relevant)
     * @param meanDiff own − mean of the other tasks' relevance
     * @param p        one-sided sign-flip p-value of meanDiff
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DirectionRow(String task, String saeType, String sae, String component, String method, String field, int ownRank,
            int nTasks, double meanOwn, double meanDiff, RankStats.Interval meanDiffCi, double p, Double q, boolean isControl,
            String control, int nItems) {
        DirectionRow withQ(Double qv) {
            return new DirectionRow(task, saeType, sae, component, method, field, ownRank, nTasks, meanOwn, meanDiff, meanDiffCi, p, qv,
                    isControl, control, nItems);
        }
    }

    public static String saeType(String saeId) {
        String s = saeId == null ? "" : saeId.toLowerCase(Locale.ROOT);
        if (s.contains("downstream") || s.contains("e2e_ds") || s.contains("e2eds") || s.contains("e2e-ds")) {
            return "e2e+downstream";
        }
        if (s.contains("e2e")) {
            return "e2e";
        }
        if (s.contains("local")) {
            return "local";
        }
        return saeId;
    }

    /** Every {@code validation.json} under the given directories (recursively). */
    public static List<Path> find(List<Path> dirs) {
        List<Path> out = new ArrayList<>();
        for (Path d : dirs) {
            if (Files.isRegularFile(d)) {
                out.add(d);
                continue;
            }
            if (!Files.isDirectory(d)) {
                throw new IllegalArgumentException("validation run not found: " + d);
            }
            try (Stream<Path> s = Files.walk(d)) {
                s.filter(p -> p.getFileName().toString().equals("validation.json")).sorted().forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + d, e);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no validation.json under " + dirs);
        }
        return out;
    }

    public static Validation read(Path file) {
        try {
            return Json.MAPPER.readValue(file.toFile(), Validation.class);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + ": not a validation.json: " + e.getMessage(), e);
        }
    }

    /**
     * @param controlTasks tasks excluded from the paired test (no expectation)
     */
    public static Comparison build(List<Path> files, List<String> controlTasks, int bootstrap, long seed) {
        List<Validation> vs = new ArrayList<>();
        Map<Validation, DirectionValidation> dirs = new java.util.IdentityHashMap<>();
        for (Path f : files) {
            Validation v = read(f);
            vs.add(v);
            Path d = f.resolveSibling("directions.json");
            if (Files.isRegularFile(d)) {
                try {
                    dirs.put(v, Json.MAPPER.readValue(d.toFile(), DirectionValidation.class));
                } catch (IOException | RuntimeException e) {
                    throw new IllegalArgumentException(d + ": not a directions.json: " + e.getMessage(), e);
                }
            }
        }
        return of(vs, v -> saeType(v.sae()), dirs::get, files.stream().map(Path::toString).toList(), controlTasks, bootstrap, seed);
    }

    /** As {@link #of(List, java.util.function.Function, java.util.function.Function, List, List, int, long)} with no direction validations. */
    public static Comparison of(List<Validation> vs, java.util.function.Function<Validation, String> typeOf, List<String> inputs,
            List<String> controlTasks, int bootstrap, long seed) {
        return of(vs, typeOf, v -> null, inputs, controlTasks, bootstrap, seed);
    }

    /**
     * The comparison of validations already in memory.
     *
     * @param typeOf       the SAE type of a validation (e.g. from a run config; {@link #saeType} reads it from the SAE id)
     * @param inputs       where the validations came from (recorded in the result)
     * @param directionsOf the direction validation of a validation's adapter, or null
     * @param controlTasks tasks excluded from the paired test (no expectation); their rows are control rows
     */
    public static Comparison of(List<Validation> vs, java.util.function.Function<Validation, String> typeOf,
            java.util.function.Function<Validation, DirectionValidation> directionsOf, List<String> inputs, List<String> controlTasks,
            int bootstrap, long seed) {
        List<Row> rows = new ArrayList<>();
        for (Validation v : vs) {
            String st = typeOf.apply(v);
            Validation.Stats s = v.stats();
            Double recall = v.audit().trigger() == null ? null : v.audit().trigger().recall();
            boolean controlCard = controlTasks.contains(v.task());
            rows.add(new Row(v.task(), st, v.sae(), v.component(), v.method(), controlCard ? "control-card" : null, s.auroc(), s.aurocCi(),
                    s.pAuroc(), s.spearman(), s.spearmanCi(), s.pSpearman(), s.precisionAtK(), s.baseRate(), v.audit().nFlagged(),
                    v.audit().auditK(), recall, v.nLatents(), v.audit().trigger() != null, null, null, controlCard));
            Validation.Stats sh = v.controls().shuffled();
            rows.add(new Row(v.task(), st, v.sae(), v.component(), v.method(), "shuffled", sh.auroc(), sh.aurocCi(), sh.pAuroc(),
                    sh.spearman(), sh.spearmanCi(), sh.pSpearman(), sh.precisionAtK(), sh.baseRate(), null, null, null, v.nLatents(), false,
                    null, null, true));
            Validation.RandomLatentControl r = v.controls().randomLatents();
            rows.add(new Row(v.task(), st, v.sae(), v.component(), v.method(), "random-latents", r.aurocMean(),
                    new RankStats.Interval(r.aurocLow(), r.aurocHigh(), r.draws(), 0), null, null, null, null, r.precisionMean(),
                    s.baseRate(), null, null, null, v.nLatents(), false, null, null, true));
        }
        rows.sort(Comparator.comparing(Row::task).thenComparing(Row::component).thenComparing(Row::method)
                .thenComparing(r -> r.control() == null ? "" : r.control()).thenComparing(Row::saeType));
        // paired differences across cards
        Map<String, Map<String, Validation>> byKey = new TreeMap<>(); // method|component|saeType -> task -> validation
        for (Validation v : vs) {
            if (controlTasks.contains(v.task())) {
                continue;
            }
            String key = v.method() + "|" + v.component() + "|" + typeOf.apply(v);
            Validation prev = byKey.computeIfAbsent(key, k -> new TreeMap<>()).put(v.task(), v);
            if (prev != null) {
                throw new IllegalArgumentException("two validations of " + v.method() + " / " + v.component() + " / " + typeOf.apply(v)
                        + " on task " + v.task() + " (" + prev.adapter() + ", " + v.adapter() + "): pass each run once");
            }
        }
        List<String> types = vs.stream().map(v -> typeOf.apply(v)).distinct().sorted(Comparison::typeOrder).toList();
        List<Paired> paired = new ArrayList<>();
        List<String> mc = vs.stream().map(v -> v.method() + "|" + v.component()).distinct().sorted().toList();
        for (String m : mc) {
            for (int a = 0; a < types.size(); a++) {
                for (int b = a + 1; b < types.size(); b++) {
                    Map<String, Validation> va = byKey.getOrDefault(m + "|" + types.get(a), Map.of());
                    Map<String, Validation> vb = byKey.getOrDefault(m + "|" + types.get(b), Map.of());
                    List<String> tasks = va.keySet().stream().filter(vb::containsKey).sorted().toList();
                    if (tasks.isEmpty()) {
                        continue;
                    }
                    String[] mcs = m.split("\\|", 2);
                    for (String metric : List.of("auroc", "spearman")) {
                        List<Double> d = new ArrayList<>();
                        List<String> used = new ArrayList<>();
                        for (String t : tasks) {
                            Double x = metric.equals("auroc") ? va.get(t).stats().auroc() : va.get(t).stats().spearman();
                            Double y = metric.equals("auroc") ? vb.get(t).stats().auroc() : vb.get(t).stats().spearman();
                            if (x != null && y != null) {
                                d.add(y - x);
                                used.add(t);
                            }
                        }
                        if (d.isEmpty()) {
                            continue;
                        }
                        paired.add(paired(metric, mcs[0], mcs[1], types.get(a), types.get(b), used, d, bootstrap,
                                ScoreMath.seedFor(seed, m + metric + types.get(a) + types.get(b))));
                    }
                }
            }
        }
        List<DirectionRow> directions = new ArrayList<>();
        java.util.Set<DirectionValidation> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Validation v : vs) {
            DirectionValidation dv = directionsOf.apply(v);
            if (dv == null || !seen.add(dv)) {
                continue;
            }
            boolean controlCard = controlTasks.contains(v.task());
            dv.fields().forEach((field, fs) -> directions.add(new DirectionRow(v.task(), typeOf.apply(v), v.sae(), dv.component(),
                    dv.method(), field, fs.ownRank(), fs.meanByTask().size(), fs.meanOwn(), fs.meanDiff(), fs.meanDiffCi(), fs.pSignFlip(),
                    null, controlCard, controlCard ? "control-card" : null, dv.nItems())));
        }
        directions.sort(Comparator.comparing(DirectionRow::task).thenComparing(DirectionRow::component).thenComparing(DirectionRow::method)
                .thenComparing(DirectionRow::field).thenComparing(DirectionRow::saeType));
        return corrected(rows, paired, directions, inputs, controlTasks);
    }

    /** Adds the Benjamini–Hochberg q-values of every family and the warnings about significant control rows. */
    static Comparison corrected(List<Row> rows, List<Paired> paired, List<DirectionRow> directions, List<String> inputs,
            List<String> controlTasks) {
        List<Row> outRows = new ArrayList<>(rows);
        for (boolean control : new boolean[] {false, true}) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                if (rows.get(i).isControl() == control) {
                    idx.add(i);
                }
            }
            double[] qa = MultipleTesting.benjaminiHochberg(idx.stream().mapToDouble(i -> nan(rows.get(i).pAuroc())).toArray());
            double[] qs = MultipleTesting.benjaminiHochberg(idx.stream().mapToDouble(i -> nan(rows.get(i).pSpearman())).toArray());
            for (int j = 0; j < idx.size(); j++) {
                outRows.set(idx.get(j), rows.get(idx.get(j)).withQ(boxed(qa[j]), boxed(qs[j])));
            }
        }
        double[] qp = MultipleTesting.benjaminiHochberg(paired.stream().mapToDouble(Paired::pTwoSided).toArray());
        List<Paired> outPaired = new ArrayList<>();
        for (int i = 0; i < paired.size(); i++) {
            outPaired.add(paired.get(i).withQ(boxed(qp[i])));
        }
        List<DirectionRow> outDirs = new ArrayList<>(directions);
        for (boolean control : new boolean[] {false, true}) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < directions.size(); i++) {
                if (directions.get(i).isControl() == control) {
                    idx.add(i);
                }
            }
            double[] q = MultipleTesting.benjaminiHochberg(idx.stream().mapToDouble(i -> directions.get(i).p()).toArray());
            for (int j = 0; j < idx.size(); j++) {
                outDirs.set(idx.get(j), directions.get(idx.get(j)).withQ(boxed(q[j])));
            }
        }
        List<String> warnings = new ArrayList<>();
        for (Row r : outRows) {
            if (!r.isControl()) {
                continue;
            }
            for (Object[] t : new Object[][] {{"AUROC", r.auroc(), r.pAuroc(), r.qAuroc()}, {"Spearman", r.spearman(), r.pSpearman(), r.qSpearman()}}) {
                Double q = (Double) t[3];
                if (q != null && q < ALPHA) {
                    warnings.add(String.format(Locale.ROOT, "control row %s / %s / %s / %s / %s is significant: %s %.3f, p = %s, q = %s "
                            + "(a control should not be; treat method rows of this size as not evidence)", r.task(), r.component(), r.method(),
                            r.control(), r.saeType(), t[0], (Double) t[1], p((Double) t[2]), p(q)));
                }
            }
        }
        for (DirectionRow d : outDirs) {
            if (d.isControl() && d.q() != null && d.q() < ALPHA) {
                warnings.add(String.format(Locale.ROOT, "control direction row %s / %s / %s / %s / %s is significant: own rank %d of %d, "
                        + "own − others %.3f, p = %s, q = %s", d.task(), d.component(), d.method(), d.field(), d.saeType(), d.ownRank(),
                        d.nTasks(), d.meanDiff(), p(d.p()), p(d.q())));
            }
        }
        return new Comparison(SCHEMA_VERSION, TYPE, List.copyOf(outRows), List.copyOf(outPaired), List.copyOf(outDirs), List.copyOf(inputs),
                List.copyOf(controlTasks), CORRECTION, List.copyOf(warnings));
    }

    private static double nan(Double v) {
        return v == null ? Double.NaN : v;
    }

    private static Double boxed(double v) {
        return Double.isNaN(v) ? null : v;
    }

    /** Rows of the findings family (not controls) whose AUROC q-value is below {@link #ALPHA}. */
    public long significantMethodRows() {
        return rows.stream().filter(r -> !r.isControl() && r.qAuroc() != null && r.qAuroc() < ALPHA).count();
    }

    private static int typeOrder(String a, String b) {
        List<String> order = List.of("local", "e2e", "e2e+downstream");
        int ia = order.indexOf(a);
        int ib = order.indexOf(b);
        if (ia >= 0 && ib >= 0) {
            return Integer.compare(ia, ib);
        }
        return ia >= 0 ? -1 : ib >= 0 ? 1 : a.compareTo(b);
    }

    static Paired paired(String metric, String method, String component, String a, String b, List<String> tasks, List<Double> d,
            int bootstrap, long seed) {
        double[] x = d.stream().mapToDouble(Double::doubleValue).toArray();
        double mean = ScoreMath.mean(x);
        RankStats.Interval ci = null;
        if (x.length >= 2) {
            var c = ScoreMath.bootstrapMeanCi(x, bootstrap, seed);
            if (c.isPresent()) {
                ci = new RankStats.Interval(c.get().low(), c.get().high(), bootstrap, 0);
            }
        }
        double p;
        String how;
        if (x.length <= 16) {
            p = exactSignFlip(x);
            how = "exact sign-flip over 2^" + x.length + " patterns";
        } else {
            p = randomSignFlip(x, 10_000, seed);
            how = "10000 seeded sign flips";
        }
        return new Paired(metric, method, component, a, b, tasks, d, mean, ci, p, how, null);
    }

    /** Two-sided exact sign-flip p-value: fraction of the 2^n sign patterns with |mean| ≥ |observed|. */
    public static double exactSignFlip(double[] x) {
        int n = x.length;
        double obs = Math.abs(ScoreMath.mean(x));
        long total = 1L << n;
        long ge = 0;
        for (long mask = 0; mask < total; mask++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += ((mask >> i) & 1) == 1 ? -x[i] : x[i];
            }
            ge += Math.abs(s / n) >= obs - 1e-12 ? 1 : 0;
        }
        return (double) ge / total;
    }

    /** Two-sided p from {@code n} seeded random sign flips: (1 + #|mean*| ≥ |mean|) / (1 + n). */
    public static double randomSignFlip(double[] x, int n, long seed) {
        double obs = Math.abs(ScoreMath.mean(x));
        Random rnd = new Random(seed);
        int ge = 0;
        for (int p = 0; p < n; p++) {
            double s = 0;
            for (double v : x) {
                s += rnd.nextBoolean() ? v : -v;
            }
            ge += Math.abs(s / x.length) >= obs - 1e-12 ? 1 : 0;
        }
        return (1.0 + ge) / (1.0 + n);
    }

    /** A readable Markdown rendering: warnings, the table, the paired tests, the direction rows and how to read them. */
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Validation of interpretation methods: comparison\n\n");
        if (!warnings.isEmpty()) {
            sb.append("**Warnings (significant control rows, q < ").append(ALPHA).append("):**\n\n");
            warnings.forEach(w -> sb.append("- WARNING: ").append(w).append("\n"));
            sb.append("\n");
        }
        long methodRows = rows.stream().filter(r -> !r.isControl() && r.pAuroc() != null).count();
        long rawSig = rows.stream().filter(r -> !r.isControl() && r.pAuroc() != null && r.pAuroc() < ALPHA).count();
        sb.append(String.format(Locale.ROOT, "Method rows with AUROC p < %.2f: %d of %d; with q < %.2f: %d of %d.%n%n", ALPHA, rawSig, methodRows,
                ALPHA, significantMethodRows(), methodRows));
        sb.append("Each row: the latents an adapter changed most (top-k by measured mean |activation change|) vs the rest, ")
                .append("ranked by the relevance of their descriptions to the task card. AUROC 0.5 / Spearman 0 = no relation. ")
                .append("p = one-sided permutation p-value (descriptions shuffled across latents); q = Benjamini–Hochberg q-value ")
                .append("(false discovery rate) over the rows of the same family (method rows; control rows), per column. ")
                .append("Verdicts use q, not p. [CI] = bootstrap 95%. ")
                .append("Control rows (listed as such in the control column): `shuffled` = descriptions deranged across latents once; ")
                .append("`random-latents` = top-k replaced by k random latents (mean and 2.5–97.5% over draws); `control-card` = the ")
                .append("method on the topic-free control card. flagged = off-task changes among the audited most-changed latents; ")
                .append("trigger = fraction of the independently found trigger latents that were flagged (none found = no latent passed the trigger search's thresholds, so recall is undefined).\n\n");
        sb.append("| task | component | method | control | SAE | AUROC [CI] | p | q | Spearman [CI] | p | q | P@k | base | flagged | trigger |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append("| ").append(r.task()).append(" | ").append(r.component()).append(" | ").append(r.method()).append(" | ")
                    .append(r.control() == null ? "—" : "control: " + r.control()).append(" | ").append(r.saeType()).append(" | ")
                    .append(withCi(r.auroc(), r.aurocCi())).append(" | ").append(p(r.pAuroc())).append(" | ").append(p(r.qAuroc())).append(" | ")
                    .append(withCi(r.spearman(), r.spearmanCi())).append(" | ").append(p(r.pSpearman())).append(" | ").append(p(r.qSpearman()))
                    .append(" | ").append(f(r.precisionAtK())).append(" | ").append(f(r.baseRate())).append(" | ")
                    .append(r.nFlagged() == null ? "" : r.nFlagged() + "/" + r.auditK()).append(" | ")
                    .append(r.triggerRecall() != null ? f(r.triggerRecall()) : r.triggerChecked() ? "none found" : "").append(" |\n");
        }
        sb.append("\n## Paired differences across task cards (B − A)\n\n");
        if (paired.isEmpty()) {
            sb.append("No task card has validations for two SAE types of the same method and component.\n");
        } else {
            sb.append("q = Benjamini–Hochberg over the ").append(paired.size()).append(" paired tests.\n\n");
            sb.append("| metric | method | component | B − A | cards | mean diff [95% CI] | p (two-sided) | q |\n|---|---|---|---|---|---|---|---|\n");
            for (Paired p : paired) {
                sb.append("| ").append(p.metric()).append(" | ").append(p.method()).append(" | ").append(p.component()).append(" | ")
                        .append(p.saeB()).append(" − ").append(p.saeA()).append(" | ").append(p.tasks().size()).append(" | ")
                        .append(withCi(p.meanDifference(), p.ci())).append(" | ").append(p(p.pTwoSided())).append(" | ")
                        .append(p(p.qTwoSided())).append(" |\n");
            }
        }
        if (!directions.isEmpty()) {
            sb.append("\n## Adapter directions: is the own task the most relevant card?\n\n")
                    .append("Per FFNN adapter and field (question = first-layer rows, edit = second-layer columns): the explanations of its ")
                    .append("directions are rated against every card; own rank 1 = the own card is the most relevant; own − others = mean ")
                    .append("relevance to the own card minus the mean over the others; p = one-sided sign-flip; q = Benjamini–Hochberg over ")
                    .append("the direction rows of the same family (findings; control-card rows).\n\n")
                    .append("| task | component | method | field | control | SAE | directions | own rank | own − others [CI] | p | q |\n")
                    .append("|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (DirectionRow d : directions) {
                sb.append("| ").append(d.task()).append(" | ").append(d.component()).append(" | ").append(d.method()).append(" | ")
                        .append(d.field()).append(" | ").append(d.control() == null ? "—" : "control: " + d.control()).append(" | ")
                        .append(d.saeType()).append(" | ").append(d.nItems()).append(" | ").append(d.ownRank()).append(" of ")
                        .append(d.nTasks()).append(" | ").append(withCi(d.meanDiff(), d.meanDiffCi())).append(" | ").append(p(d.p()))
                        .append(" | ").append(p(d.q())).append(" |\n");
            }
        }
        if (!excludedTasks.isEmpty()) {
            sb.append("\nControl tasks (rows labelled control-card; excluded from the paired test, no expected concepts): ")
                    .append(String.join(", ", excludedTasks)).append(".\n");
        }
        return sb.toString();
    }

    private static String f(Double v) {
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String p(Double v) {
        return v == null ? "n/a" : v < 0.001 ? String.format(Locale.ROOT, "%.1e", v) : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String withCi(Double v, RankStats.Interval ci) {
        if (v == null) {
            return "n/a";
        }
        return ci == null ? f(v) : f(v) + " [" + f(ci.low()) + ", " + f(ci.high()) + "]";
    }
}
