package org.isaerft.report;

import java.util.List;

/**
 * What a run report says, built once from the run folder ({@link ModelBuilder}) and rendered by the
 * templates to report.html and report.md. Templates only print these fields; every decision (verdicts,
 * control rows, formatting) is made while building the model.
 *
 * @param title    page title
 * @param meta     one-line facts about the run (model, seed, versions, LLM usage)
 * @param nightly  the comparison with a previous run (null when there is none)
 * @param findings one per question the run answers, verdict first
 * @param warnings significant control rows and other reasons to distrust a finding
 * @param method   how the verdict words are decided (the statistics and the correction)
 * @param sections grouped detail: per stage, per card, per SAE
 */
public record ReportModel(String title, List<String> meta, Nightly nightly, List<Finding> findings, List<String> warnings,
        String method, List<Section> sections) {
    public ReportModel {
        title = require(title, "title");
        meta = List.copyOf(meta);
        findings = List.copyOf(findings);
        warnings = List.copyOf(warnings);
        sections = List.copyOf(sections);
    }

    /** Whether there is any warning (for the templates). */
    public boolean hasWarnings() {
        return !warnings.isEmpty();
    }

    /** The number of charts in the detail sections. */
    public int charts() {
        return (int) sections.stream().flatMap(s -> s.parts().stream()).filter(p -> p.chart() != null).count();
    }

    /**
     * One question the run answers, with one verdict per subject (component, method, SAE pair ...).
     *
     * @param question e.g. "Do adapters learn the task?"
     * @param verdicts one or more; a question whose stage did not run has one verdict "not run"
     * @param note     how its statistics were made (may be empty)
     */
    public record Finding(String question, List<Verdict> verdicts, String note) {
        public Finding {
            question = require(question, "question");
            verdicts = List.copyOf(verdicts);
            if (verdicts.isEmpty()) {
                throw new IllegalArgumentException("finding '" + question + "' needs at least one verdict");
            }
            note = note == null ? "" : note;
        }

        public Finding(String question, List<Verdict> verdicts) {
            this(question, verdicts, "");
        }
    }

    /**
     * A verdict on one subject.
     *
     * @param subject  what it is about ("scale", "token-stats", "e2e − local, logit-lens"); may be empty
     * @param word     the verdict word (from {@link Verdicts}, decided by the statistics)
     * @param evidence the numbers behind it
     */
    public record Verdict(String subject, String word, String evidence) {
        public Verdict {
            subject = subject == null ? "" : subject;
            word = require(word, "verdict word");
            evidence = evidence == null ? "" : evidence;
        }

        /** CSS class: the verdict word with spaces as dashes. */
        public String cls() {
            return "v-" + word.replaceAll("[^A-Za-z0-9]+", "-");
        }
    }

    /**
     * The nightly comparison block shown beside the findings.
     *
     * @param previous     the previous run's folder
     * @param regressions  count
     * @param improvements count
     * @param changed      one line per regression or improvement
     */
    public record Nightly(String previous, int regressions, int improvements, List<String> changed) {
        public Nightly {
            previous = previous == null ? "" : previous;
            if (regressions < 0 || improvements < 0) {
                throw new IllegalArgumentException("negative regression/improvement count");
            }
            changed = List.copyOf(changed);
        }

        public boolean hasRegressions() {
            return regressions > 0;
        }
    }

    /**
     * A detail section.
     *
     * @param id    HTML anchor
     * @param title heading
     * @param parts its contents, in order
     */
    public record Section(String id, String title, List<Part> parts) {
        public Section {
            id = require(id, "section id");
            title = require(title, "section title");
            parts = List.copyOf(parts);
        }
    }

    /** One piece of a section: exactly one of the fields is set. */
    public record Part(String heading, String text, List<String> bullets, Chart chart, Table table, List<Card> cards, List<Link> links) {
        public Part {
            int set = (heading != null ? 1 : 0) + (text != null ? 1 : 0) + (bullets != null ? 1 : 0) + (chart != null ? 1 : 0)
                    + (table != null ? 1 : 0) + (cards != null ? 1 : 0) + (links != null ? 1 : 0);
            if (set != 1) {
                throw new IllegalArgumentException("a section part holds exactly one thing, found " + set);
            }
        }

        public boolean hasBullets() {
            return bullets != null && !bullets.isEmpty();
        }

        public boolean hasCards() {
            return cards != null && !cards.isEmpty();
        }

        public boolean hasLinks() {
            return links != null && !links.isEmpty();
        }

        public static Part links(List<Link> l) {
            return new Part(null, null, null, null, null, null, List.copyOf(l));
        }

        public static Part heading(String h) {
            return new Part(h, null, null, null, null, null, null);
        }

        public static Part text(String t) {
            return new Part(null, t, null, null, null, null, null);
        }

        public static Part bullets(List<String> b) {
            return new Part(null, null, List.copyOf(b), null, null, null, null);
        }

        public static Part chart(Chart c) {
            return new Part(null, null, null, c, null, null, null);
        }

        public static Part table(Table t) {
            return new Part(null, null, null, null, t, null, null);
        }

        public static Part cards(List<Card> c) {
            return new Part(null, null, null, null, null, List.copyOf(c), null);
        }
    }

    /**
     * A chart: inline SVG built by {@link Svg} (the only raw markup the templates print).
     *
     * @param title   caption (also the SVG's title)
     * @param svg     the {@code <svg>} element
     * @param caption how to read it (bands, whiskers)
     */
    public record Chart(String title, String svg, String caption) {
        public Chart {
            title = require(title, "chart title");
            if (svg == null || !svg.startsWith("<svg")) {
                throw new IllegalArgumentException("chart '" + title + "' needs an <svg> element");
            }
            caption = caption == null ? "" : caption;
        }
    }

    /**
     * A table (sortable in HTML by clicking a header).
     *
     * @param id      HTML id
     * @param columns header
     * @param rows    body rows, each with one cell per column
     */
    public record Table(String id, List<Column> columns, List<Row> rows) {
        public Table {
            id = require(id, "table id");
            columns = List.copyOf(columns);
            List<Row> stamped = new java.util.ArrayList<>();
            for (Row r : rows) {
                if (r.cells().size() != columns.size()) {
                    throw new IllegalArgumentException("table " + id + ": a row has " + r.cells().size() + " cells, expected "
                            + columns.size());
                }
                List<Cell> cells = new java.util.ArrayList<>();
                for (int i = 0; i < columns.size(); i++) {
                    cells.add(r.cells().get(i).inColumn(columns.get(i)));
                }
                stamped.add(new Row(cells, r.cls()));
            }
            rows = List.copyOf(stamped);
        }
    }

    /** A column: its header and whether it holds numbers (right-aligned, sorted numerically). */
    public record Column(String name, boolean numeric) {
        public Column {
            name = require(name, "column name");
        }

        public String type() {
            return numeric ? "num" : "text";
        }

        /** The Markdown alignment row cell. */
        public String mdAlign() {
            return numeric ? "---:" : "---";
        }
    }

    /** A row; {@code cls} is a CSS class (e.g. "regression", "control"), may be empty. */
    public record Row(List<Cell> cells, String cls) {
        public Row {
            cells = List.copyOf(cells);
            cls = cls == null ? "" : cls;
        }
    }

    /**
     * A cell.
     *
     * @param text shown text ("–" for no value)
     * @param sort sort key (the raw number for numeric cells, "" for none)
     * @param href link target, or null
     * @param links several links instead of one text (null for none)
     * @param numeric whether its column holds numbers (set by the table)
     */
    public record Cell(String text, String sort, String href, List<Link> links, boolean numeric) {
        public Cell {
            text = text == null ? "" : text;
            sort = sort == null ? text : sort;
            links = links == null || links.isEmpty() ? null : List.copyOf(links);
        }

        public Cell(String text, String sort, String href) {
            this(text, sort, href, null, false);
        }

        public Cell(String text, String sort, String href, List<Link> links) {
            this(text, sort, href, links, false);
        }

        /** Long text wraps in a wide cell; everything else stays on one line. */
        public boolean wrap() {
            return !numeric && text.length() > 28;
        }

        /** Very long text (e.g. why a trigger latent was not flagged) is folded behind its first words. */
        public boolean folded() {
            return text.length() > 220;
        }

        /** The first words of folded text. */
        public String head() {
            int cut = text.lastIndexOf(' ', 110);
            return text.substring(0, cut > 40 ? cut : Math.min(110, text.length())) + " …";
        }

        Cell inColumn(Column c) {
            return new Cell(text, sort, href, links, c.numeric());
        }
    }

    /** One of several links in a cell (e.g. a list of latent ids); {@code href} may be null (shown as text). */
    public record Link(String text, String href) {
        public Link {
            text = require(text, "link text");
        }
    }

    /** A latent card: the latent, its dashboard link, and one description per explanation method. */
    public record Card(String latent, String href, List<Description> descriptions) {
        public Card {
            latent = require(latent, "card latent");
            descriptions = List.copyOf(descriptions);
        }
    }

    /** One method's description of a latent. */
    public record Description(String method, String text) {}

    static String require(String s, String what) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return s;
    }
}
