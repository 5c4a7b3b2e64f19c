package org.isaerft.dashboard;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import com.github.mustachejava.MustacheFactory;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one template engine of the harness's pages: the dashboards and the run report (HTML and
 * Markdown) are rendered from classpath templates under {@code src/main/resources/org/isaerft/}.
 *
 * <p>Engine: <a href="https://github.com/spullara/mustache.java">mustache.java</a> 0.9.14 (Maven
 * Central, maintained, one ~100 kB jar with no transitive dependencies). Chosen over JTE because
 * Mustache is logic-less: a template can only print fields and loop over lists, so every decision
 * (verdicts, which rows are controls, formatting) stays in the Java view model where it is unit
 * tested, and the same model renders to HTML and to Markdown from two small templates. It also needs
 * no template compilation step or runtime Java compiler (JTE needs one of the two).
 *
 * <p>Escaping: {@code {{x}}} is HTML-escaped in {@link #html} templates (including {@code '}), and
 * Markdown-table-escaped in {@link #markdown} templates ({@code |} and line breaks); {@code {{{x}}}} is
 * raw and is used only for markup the Java code built itself (inline SVG, the sort script).
 */
public final class Templates {
    private Templates() {}

    private static final MustacheFactory HTML = new DefaultMustacheFactory("org/isaerft") {
        @Override
        public void encode(String value, Writer writer) {
            try {
                writer.write(Html.esc(value));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private static final MustacheFactory MARKDOWN = new DefaultMustacheFactory("org/isaerft") {
        @Override
        public void encode(String value, Writer writer) {
            try {
                writer.write(markdownCell(value));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /** Sorts a table by clicking a {@code th.sort} header (numeric when {@code data-type="num"}), by each cell's {@code data-v}. */
    public static final String SORT_JS = """
            document.querySelectorAll('th.sort').forEach(function(th){th.addEventListener('click',function(){
            var tb=th.closest('table').tBodies[0],col=th.cellIndex,asc=th.dataset.dir!=='asc',num=th.dataset.type==='num';
            th.dataset.dir=asc?'asc':'desc';var rows=Array.prototype.slice.call(tb.rows);
            rows.sort(function(a,b){var x=a.cells[col].dataset.v,y=b.cells[col].dataset.v;
            if(num){x=x===''?-Infinity:+x;y=y===''?-Infinity:+y;return asc?x-y:y-x;}
            return asc?x.localeCompare(y):y.localeCompare(x);});rows.forEach(function(r){tb.appendChild(r);});});});
            var hide=document.getElementById('hidedead');if(hide){hide.addEventListener('change',function(){
            document.querySelectorAll('tr.dead').forEach(function(r){r.style.display=hide.checked?'none':'';});});}
            """;

    private static final Map<String, Mustache> CACHE = new ConcurrentHashMap<>();

    /** Renders the HTML template {@code name} (relative to {@code org/isaerft/}, e.g. {@code report/report.html.mustache}). */
    public static String html(String name, Object model) {
        return render(HTML, "html:" + name, name, model);
    }

    /** Renders a Markdown template: values are escaped for table cells instead of HTML. */
    public static String markdown(String name, Object model) {
        return render(MARKDOWN, "md:" + name, name, model);
    }

    /** Text made safe for one Markdown table cell: pipes escaped, line breaks folded to spaces. */
    public static String markdownCell(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\r", " ").replace("\n", " ");
    }

    private static String render(MustacheFactory f, String key, String name, Object model) {
        Mustache m = CACHE.computeIfAbsent(key, k -> f.compile(name));
        StringWriter w = new StringWriter();
        m.execute(w, model);
        return w.toString();
    }
}
