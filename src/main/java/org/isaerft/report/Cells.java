package org.isaerft.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.isaerft.activations.LatentId;
import org.isaerft.report.ReportModel.Cell;
import org.isaerft.report.ReportModel.Column;
import org.isaerft.report.ReportModel.Row;

/** Table-building helpers shared by the report's sections: number formatting, cells, latent links. */
final class Cells {
    private Cells() {}

    static final String NONE = "–";

    static String fmt(Double d) {
        return d == null || !Double.isFinite(d) ? NONE : String.format(Locale.ROOT, "%.3f", d);
    }

    static String fmt(JsonNode n) {
        return fmt(RunFolder.num(n));
    }

    static String ci(JsonNode ci) {
        return ci == null || !ci.path("low").isNumber() ? NONE : "[" + fmt(ci.path("low")) + ", " + fmt(ci.path("high")) + "]";
    }

    static Cell text(String s) {
        return new Cell(s == null || s.isEmpty() ? NONE : s, s == null ? "" : s, null);
    }

    static Cell num(Double d) {
        return new Cell(fmt(d), d == null ? "" : Double.toString(d), null);
    }

    static Cell num(JsonNode n) {
        return num(RunFolder.num(n));
    }

    static Cell integer(JsonNode n) {
        return n != null && n.isNumber() ? new Cell(n.asText(), n.asText(), null) : new Cell(NONE, "", null);
    }

    /** A cell with a number's text but a custom display (e.g. "3/20"). */
    static Cell shown(String shown, Double sortKey) {
        return new Cell(shown, sortKey == null ? "" : Double.toString(sortKey), null);
    }

    static Cell field(JsonNode r, String f) {
        return text(r.path(f).isValueNode() && !r.path(f).isNull() ? r.path(f).asText() : null);
    }

    /** A latent id linked to its dashboard page when that page exists in the run folder. */
    static Cell latent(RunFolder run, String sae, String latent) {
        return new Cell(latent, latent, latentHref(run, sae, latent));
    }

    static String latentHref(RunFolder run, String sae, String latent) {
        try {
            String href = "dashboards/" + sae + "/latents/" + LatentId.parse(latent).fileSafe() + ".html";
            return Files.isRegularFile(run.dir().resolve(href)) ? href : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static List<Column> columns(String... spec) {
        List<Column> out = new ArrayList<>();
        for (String s : spec) {
            boolean numeric = s.startsWith("#");
            out.add(new Column(numeric ? s.substring(1) : s, numeric));
        }
        return out;
    }

    static Row row(String cls, List<Cell> cells) {
        return new Row(cells, cls);
    }
}
