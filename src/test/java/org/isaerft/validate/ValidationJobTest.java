package org.isaerft.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.isaerft.TestHome;
import org.isaerft.activations.LatentId;
import org.isaerft.adapter.ChangeSummary;
import org.isaerft.adapter.task.TaskCards;
import org.isaerft.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidationJobTest {
    static final Validator.Options FAST = Validator.Options.builder().k(4).auditK(4).permutations(50).bootstrap(50).randomDraws(50).seed(3)
            .build();

    static List<String> descriptions(int n) {
        List<String> d = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            d.add(i < n / 3 ? "dog " + i : "weather " + i);
        }
        return d;
    }

    @Test
    void judgesByNameWithClearErrors() {
        assertThat(ValidationJob.judge("Embedding", null, cfg -> null, null).judge()).isInstanceOf(EmbeddingRelevance.class);
        assertThat(ValidationJob.judge("embedding", null, cfg -> null, null).client()).isNull();
        assertThatThrownBy(() -> ValidationJob.judge("llm", null, cfg -> null, null)).hasMessageContaining("--judge llm needs --llm-config");
        assertThatThrownBy(() -> ValidationJob.judge("oracle", null, cfg -> null, null)).hasMessageContaining("[embedding, llm]")
                .hasMessageContaining("'oracle'");
        assertThatThrownBy(() -> new ValidationJob.Judge(null, null)).hasMessageContaining("judge must not be null");
    }

    @Test
    void aCellCountsItsDescribedLatentsAndValidatesAsTheValidatorDoes() {
        ChangeSummary cs = ValidatorTest.summary(12);
        Map<Integer, Validator.Described> d = ValidatorTest.describe(descriptions(10)); // latents 10, 11 undescribed
        ValidationJob.Cell cell = new ValidationJob.Cell("a", cs, d, "m", ValidatorTest.DOGS, null, 1, null);
        assertThat(cell.nDescribed()).isEqualTo(10);
        Validation viaJob = ValidationJob.validate(new ValidatorTest.KeywordJudge(), FAST, cell).withoutTimestamp();
        Validation direct = new Validator(new ValidatorTest.KeywordJudge(), FAST)
                .validate("a", cs, d, "m", ValidatorTest.DOGS, id -> List.of(), null).withoutTimestamp();
        assertThat(viaJob).isEqualTo(direct);
        assertThatThrownBy(() -> new ValidationJob.Cell("a", cs, d, null, ValidatorTest.DOGS, null, 1, null))
                .hasMessageContaining("method");
        assertThatThrownBy(() -> new ValidationJob.Cell("a", cs, d, "m", ValidatorTest.DOGS, null, -1, null))
                .hasMessageContaining("examples per latent");
    }

    @Test
    void runWritesValidationJsonAndNotesAMismatchedTask(@TempDir Path tmp) throws Exception {
        Path adapter = Files.createDirectories(tmp.resolve("adapter-x"));
        ChangeSummary base = ValidatorTest.summary(12);
        ChangeSummary sad = new ChangeSummary(base.schemaVersion(), "sad", base.component(), base.sae(), base.hook(), base.rankBy(),
                base.heldoutTokens(), base.latents());
        Json.writeFile(adapter.resolve("change_summary.json"), sad);
        Map<String, String> desc = new LinkedHashMap<>();
        List<String> texts = descriptions(12);
        for (int i = 0; i < texts.size(); i++) {
            desc.put(new LatentId(ValidatorTest.HOOK, i).toString(), texts.get(i));
        }
        Path method = Files.createDirectories(tmp.resolve("kw"));
        Json.writeFile(method.resolve("latent_descriptions.json"), desc);
        Path out = tmp.resolve("out");
        List<String> notes = new ArrayList<>();
        ValidationJob.Result r = ValidationJob.run(new ValidationJob.Request(adapter, method.resolve("latent_descriptions.json"), null,
                TaskCards.load("dogs", TestHome.HOME), null, null, null, FAST, out),
                () -> new ValidationJob.Judge(new ValidatorTest.KeywordJudge(), null), notes::add);
        assertThat(r.validationFile()).isEqualTo(out.resolve("validation.json")).isRegularFile();
        assertThat(r.directions()).isNull();
        assertThat(r.validation().method()).isEqualTo("kw");
        assertThat(r.validation().nLatents()).isEqualTo(12);
        assertThat(notes).containsExactly("warning: the adapter was trained on task 'sad', validating against 'dogs'");
    }
}
