package org.isaerft.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelFamilies;
import org.isaerft.model.ModelFamily;
import org.isaerft.tensor.TensorFormatException;
import org.isaerft.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cCheckpointTest {
    static final Path DIR = Shared.path("models/stories260K");
    static final Path BIN = DIR.resolve("stories260K.bin");

    @Test
    void readsTheHeaderAndWeights() throws Exception {
        Llama2cCheckpoint.Header h = Llama2cCheckpoint.readHeader(BIN);
        assertThat(h).isEqualTo(new Llama2cCheckpoint.Header(64, 172, 5, 8, 4, 512, 512, true));
        assertThat(h.expectedBytes()).isEqualTo(1_056_540L).isEqualTo(Files.size(BIN));
        LlamaWeights w = Llama2cCheckpoint.load(BIN);
        assertThat(w.lmHead()).isNull();
        // the first embedding value and the final norm's last value, read straight from the file's bytes
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(BIN)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(w.embed()[0]).isEqualTo(raw.getFloat(28));
        long finalNormEnd = 1_056_540L - 4L * 512 * 8; // rms_final ends where the two RoPE tables (512 × 4 floats each) start
        assertThat(w.finalNorm()[63]).isEqualTo(raw.getFloat((int) finalNormEnd - 4));
    }

    @Test
    void truncatedOrPaddedFilesNameTheFileAndBothSizes(@TempDir Path dir) throws Exception {
        byte[] all = Files.readAllBytes(BIN);
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(all, all.length - 100));
        assertThatThrownBy(() -> Llama2cCheckpoint.load(cut))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("cut.bin")
                .hasMessageContaining("expected 1056540 bytes, found 1056440")
                .hasMessageContaining("truncated");
        Path longer = dir.resolve("long.bin");
        Files.write(longer, Arrays.copyOf(all, all.length + 4));
        assertThatThrownBy(() -> Llama2cCheckpoint.load(longer))
                .hasMessageContaining("expected 1056540 bytes, found 1056544");
        Path tiny = dir.resolve("tiny.bin");
        Files.write(tiny, new byte[10]);
        assertThatThrownBy(() -> Llama2cCheckpoint.load(tiny))
                .hasMessageContaining("tiny.bin")
                .hasMessageContaining("10 bytes, need at least 28");
    }

    @Test
    void badHeaderFieldsGiveSpecificErrors(@TempDir Path dir) throws Exception {
        byte[] all = Files.readAllBytes(BIN);
        assertThatThrownBy(() -> Llama2cCheckpoint.load(withField(dir, all, 3, -8)))
                .isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("header field n_heads must be positive, found -8");
        assertThatThrownBy(() -> Llama2cCheckpoint.load(withField(dir, all, 0, 0)))
                .hasMessageContaining("header field dim must be positive, found 0");
        assertThatThrownBy(() -> Llama2cCheckpoint.load(withField(dir, all, 4, 3)))
                .hasMessageContaining("n_heads (8) must be a multiple of n_kv_heads (3)");
        assertThatThrownBy(() -> Llama2cCheckpoint.load(withField(dir, all, 5, 0)))
                .hasMessageContaining("vocab_size must be non-zero");
        assertThatThrownBy(() -> Llama2cCheckpoint.load(withField(dir, all, 0, 0x616b3432)))
                .hasMessageContaining("version-")
                .hasMessageContaining("only the legacy version-0 export");
        // a negative vocab_size means a separate classifier: 512*64 more floats are then expected
        assertThatThrownBy(() -> Llama2cCheckpoint.load(withField(dir, all, 5, -512)))
                .hasMessageContaining("expected " + (1_056_540 + 4 * 512 * 64) + " bytes, found 1056540");
    }

    @Test
    void separateClassifierIsReadAfterTheRopeTables(@TempDir Path dir) throws Exception {
        byte[] all = Files.readAllBytes(BIN);
        byte[] bigger = Arrays.copyOf(all, all.length + 4 * 512 * 64);
        ByteBuffer b = ByteBuffer.wrap(bigger).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(20, -512);
        for (int i = 0; i < 512 * 64; i++) {
            b.putFloat(all.length + 4 * i, i * 0.5f);
        }
        Path f = dir.resolve("untied.bin");
        Files.write(f, bigger);
        LlamaWeights w = Llama2cCheckpoint.load(f);
        assertThat(w.config().tiedEmbeddings()).isFalse();
        assertThat(w.lmHead()[0]).isZero();
        assertThat(w.lmHead()[511 * 64 + 63]).isEqualTo((512 * 64 - 1) * 0.5f);
    }

    @Test
    void theFamilyRecognisesTheStoriesDirectory(@TempDir Path empty) {
        ModelFamily family = ModelFamilies.forType("llama");
        assertThat(family).isInstanceOf(LlamaFamily.class);
        assertThat(family.recognises(DIR)).isTrue();
        assertThat(family.recognises(empty)).isFalse();
        try (NDManager root = NDManager.newBaseManager(); LanguageModel m = ModelFamilies.load(DIR, root)) {
            assertThat(m).isInstanceOf(LlamaModel.class);
            assertThat(m.config().vocabSize()).isEqualTo(512);
            assertThat(m.tokenizer().encode("Once upon a time", true)).containsExactly(1, 403, 407, 261, 378);
        }
        assertThatThrownBy(() -> LlamaLoader.load(empty, null)).hasMessageContaining("no llama2.c checkpoint");
    }

    private static Path withField(Path dir, byte[] all, int index, int value) throws Exception {
        byte[] copy = all.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(4 * index, value);
        Path p = dir.resolve("bad" + index + "_" + value + ".bin");
        Files.write(p, copy);
        return p;
    }
}
