package org.isaerft.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.isaerft.util.Json;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report in a real browser: headless Debian Chromium loads a rendered report (from the hand-made
 * run folder, with a recovery stage output so every chart kind is drawn), and the test checks that
 * the page logs nothing to the console (no errors, no uncaught exceptions, no failed loads), that
 * every chart is a non-empty SVG with a size, that the table sort script works when a header is
 * clicked, and writes a screenshot to {@code target/report-screenshot.png} for people to look at.
 *
 * <p>Needs {@code chromium} on PATH (or {@code -Disaerft.chromium=/path}); {@code .ci/run} installs it.
 * Without it the test fails with how to install it — it never passes silently.
 */
@Tag("browser")
class BrowserReportTest {
    static final Path SCREENSHOT = Path.of("target", "report-screenshot.png");
    static String chromium;

    @BeforeAll
    static void findChromium() {
        chromium = find();
        assertThat(chromium).as("chromium not found on PATH (nor -Disaerft.chromium): install it with "
                + "'apt-get update -qq && apt-get install -y -qq chromium' (.ci/run does this); the real-browser report test cannot run")
                .isNotNull();
    }

    static String find() {
        String prop = System.getProperty("isaerft.chromium");
        if (prop != null && !prop.isBlank()) {
            return Files.isExecutable(Path.of(prop)) ? prop : null;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        return null;
    }

    /** What one headless Chromium run printed: the DOM after scripts ran, and the console lines. */
    record Loaded(Document dom, List<String> console) {}

    static Loaded load(Path html, Path profile, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + profile.toAbsolutePath(),
                "--enable-logging=stderr", "--v=0", "--hide-scrollbars"));
        cmd.addAll(List.of(extra));
        cmd.add(html.toAbsolutePath().toUri().toString());
        Path out = Files.createTempFile(profile.getParent(), "dom", ".html");
        Path err = Files.createTempFile(profile.getParent(), "err", ".log");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("chromium finished within 120 s").isTrue();
        assertThat(p.exitValue()).as("chromium exit code; stderr:%n%s", Files.readString(err, StandardCharsets.UTF_8)).isZero();
        List<String> console = Files.readAllLines(err, StandardCharsets.UTF_8).stream()
                .filter(l -> l.contains(":CONSOLE") || l.contains("Failed to load resource") || l.contains("Uncaught")).toList();
        return new Loaded(Jsoup.parse(Files.readString(out, StandardCharsets.UTF_8)), console);
    }

    static Path renderedReport(Path tmp) {
        Path run = TinyRun.write(tmp.resolve("run"));
        TinyRun.writeRecovery(run, false, false);
        Report.render(run);
        return run.resolve(Report.HTML);
    }

    @Test
    void reportLoadsWithoutConsoleErrorsAndEveryChartHasSvgContent(@TempDir Path tmp) throws Exception {
        Path html = renderedReport(tmp);
        Loaded page = load(html, tmp.resolve("profile"), "--dump-dom");
        assertThat(page.console()).as("console output of the report").isEmpty();
        Document dom = page.dom();
        assertThat(dom.select("#findings li.finding")).hasSize(8);
        List<Element> charts = dom.select("div.chart");
        assertThat(charts).hasSizeGreaterThanOrEqualTo(4); // 2 loss components, 1 AUROC method, 1 recall curve
        for (Element c : charts) {
            Element svg = c.selectFirst("svg");
            assertThat(svg).as("svg in chart %s", c.text()).isNotNull();
            assertThat(Double.parseDouble(svg.attr("width"))).isPositive();
            assertThat(Double.parseDouble(svg.attr("height"))).isPositive();
            assertThat(svg.select("rect.bar, path.line")).as("marks of %s", svg.selectFirst("title").text()).isNotEmpty();
        }
    }

    @Test
    void clickingANumericHeaderSortsTheTableInTheBrowser(@TempDir Path tmp) throws Exception {
        Path html = renderedReport(tmp);
        // the same page, plus a script that clicks the adapters table's "change" header and records the first row's value
        String probe = "<script>document.querySelectorAll('#adapters th')[6].click();"
                + "document.body.setAttribute('data-first',document.querySelector('#adapters tbody tr').cells[6].dataset.v);</script>";
        Path probed = html.resolveSibling("probed.html");
        Files.writeString(probed, Files.readString(html).replace("</body>", probe + "</body>"));
        Loaded page = load(probed, tmp.resolve("profile"), "--dump-dom");
        assertThat(page.console()).isEmpty();
        // ascending: the smallest change of TinyRun (scale on t3, -0.06)
        assertThat(Double.parseDouble(page.dom().body().attr("data-first"))).isCloseTo(-0.06, org.assertj.core.api.Assertions.within(1e-9));
    }

    @Test
    void aPageWithAScriptErrorIsCaught(@TempDir Path tmp) throws Exception {
        // the console check can fail: an uncaught exception is seen
        Path bad = tmp.resolve("bad.html");
        Files.writeString(bad, "<!DOCTYPE html><html><body><p>x</p><script>throw new Error('boom')</script></body></html>");
        assertThat(load(bad, tmp.resolve("profile"), "--dump-dom").console()).anyMatch(l -> l.contains("Uncaught Error: boom"));
    }

    @Test
    void writesAScreenshotForPeopleToLookAt(@TempDir Path tmp) throws Exception {
        Path html = renderedReport(tmp);
        Files.createDirectories(SCREENSHOT.getParent());
        Files.deleteIfExists(SCREENSHOT);
        load(html, tmp.resolve("profile"), "--window-size=1280,2200", "--screenshot=" + SCREENSHOT.toAbsolutePath());
        byte[] png = Files.readAllBytes(SCREENSHOT);
        assertThat(png.length).isGreaterThan(20_000);
        assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }
}
