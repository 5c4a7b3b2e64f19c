package org.isaerft.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.isaerft.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path tmp;

    @Test
    void readsFixtureWithShapesAndMetadata() {
        SafeTensors.File f = SafeTensors.read(Shared.path("fixtures/gpt2-tiny/expected.safetensors"));
        assertThat(f.get("tokens").dtype()).isEqualTo(DType.I32);
        assertThat(f.get("tokens").toIntArray()).startsWith(977, 3, 481, 808);
        assertThat(f.get("logits", 2, 16, 1000).numel()).isEqualTo(32000);
        assertThatThrownBy(() -> f.get("logits", 2, 16, 999))
                .hasMessageContaining("'logits'").hasMessageContaining("[2, 16, 1000]").hasMessageContaining("[2, 16, 999]");
        assertThatThrownBy(() -> f.get("nope")).hasMessageContaining("'nope' is missing");
    }

    @Test
    void roundTripsBitExactly() {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put("a", HostTensor.f32(new long[] {2, 3}, new float[] {1, -2, 3.5f, Float.MIN_VALUE, 0, 7}));
        m.put("b", HostTensor.i32(new long[] {3}, new int[] {1, 2, 3}));
        Path p = tmp.resolve("x.safetensors");
        SafeTensors.write(p, m, Map.of("k", "v"));
        SafeTensors.File f = SafeTensors.read(p);
        assertThat(f.get("a").toFloatArray()).containsExactly(1, -2, 3.5f, Float.MIN_VALUE, 0, 7);
        assertThat(f.get("b").toIntArray()).containsExactly(1, 2, 3);
        assertThat(f.metadata()).containsEntry("k", "v");
        assertThat(tmp.toFile().list()).containsExactly("x.safetensors");
    }

    @Test
    void convertsHalfAndBfloat16InJava() {
        ByteBuffer bf = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        bf.putShort((short) (Float.floatToIntBits(1.5f) >>> 16)).putShort((short) (Float.floatToIntBits(-2f) >>> 16)).flip();
        assertThat(new HostTensor(DType.BF16, new long[] {2}, bf).toFloatArray()).containsExactly(1.5f, -2f);
        ByteBuffer h = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
        h.putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x0001).flip(); // 1, -2, smallest subnormal
        assertThat(new HostTensor(DType.F16, new long[] {3}, h).toFloatArray()).containsExactly(1f, -2f, (float) Math.pow(2, -24));
    }

    @Test
    void corruptHeaderAndTruncationAreNamed() throws Exception {
        Path bad = tmp.resolve("bad.safetensors");
        Files.write(bad, new byte[] {100, 0, 0, 0, 0, 0, 0, 0, '{'});
        assertThatThrownBy(() -> SafeTensors.read(bad)).isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("bad.safetensors").hasMessageContaining("corrupt safetensors header");
        byte[] good = Files.readAllBytes(Shared.path("fixtures/sae-tiny/sparsify/sae.safetensors"));
        Path cut = tmp.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(good, good.length - 100));
        assertThatThrownBy(() -> SafeTensors.read(cut)).hasMessageContaining("cut.safetensors").hasMessageContaining("b_dec")
                .hasMessageContaining("outside the data section");
        assertThatThrownBy(() -> SafeTensors.read(tmp.resolve("none.safetensors"))).hasMessageContaining("file not found");
    }
}
