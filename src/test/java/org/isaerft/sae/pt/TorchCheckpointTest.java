package org.isaerft.sae.pt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.isaerft.tensor.DType;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.TensorFormatException;
import org.isaerft.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchCheckpointTest {
    @TempDir
    Path tmp;

    /** Hand-assembles pickle opcodes. */
    static final class Pkl {
        final ByteArrayOutputStream b = new ByteArrayOutputStream();

        Pkl op(int... bytes) {
            for (int x : bytes) {
                b.write(x);
            }
            return this;
        }

        Pkl proto(int p) {
            return op(0x80, p);
        }

        Pkl global(String module, String name) {
            op('c');
            b.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Pkl str(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            b.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(u.length).array());
            b.writeBytes(u);
            return this;
        }

        Pkl shortStr(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            op(0x8c, u.length);
            b.writeBytes(u);
            return this;
        }

        Pkl int1(int v) {
            return op('K', v);
        }

        Pkl mark() {
            return op('(');
        }

        Pkl tuple() {
            return op('t');
        }

        byte[] bytes() {
            return b.toByteArray();
        }
    }

    /** OrderedDict {"w": tensor over a storage of {@code numel} elements with the given offset/size/stride}. */
    static byte[] stateDict(String storageType, int numel, int offset, int[] size, int[] stride) {
        Pkl p = new Pkl().proto(2).global("collections", "OrderedDict").op(')').op('R').mark().str("w")
                .global("torch._utils", "_rebuild_tensor_v2").mark()
                .mark().str("storage").global("torch", storageType).str("0").str("cpu").int1(numel).tuple().op('Q')
                .int1(offset).mark();
        for (int s : size) {
            p.int1(s);
        }
        p.tuple().mark();
        for (int s : stride) {
            p.int1(s);
        }
        p.tuple().op(0x89).global("collections", "OrderedDict").op(')').op('R').tuple().op('R').op('u').op('.');
        return p.bytes();
    }

    Path zip(String name, Map<String, byte[]> entries) throws IOException {
        Path f = tmp.resolve(name);
        try (OutputStream os = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(os)) {
            for (var e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                ze.setMethod(ZipEntry.STORED);
                ze.setSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                ze.setCrc(crc.getValue());
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return f;
    }

    @Test
    void readsTheApolloFixtureStateDict() {
        TorchCheckpoint c = TorchCheckpoint.read(Shared.path("fixtures/sae-tiny/apollo-e2e/samples_400000.pt"));
        assertThat(c.tensors().keySet()).containsExactly(
                "blocks-1-hook_resid_pre.encoder.0.weight", "blocks-1-hook_resid_pre.encoder.0.bias",
                "blocks-1-hook_resid_pre.decoder.weight", "blocks-1-hook_resid_pre.decoder.bias");
        assertThat(c.get("blocks-1-hook_resid_pre.encoder.0.weight").shape()).containsExactly(256, 64);
        assertThat(c.get("blocks-1-hook_resid_pre.decoder.weight").shape()).containsExactly(64, 256);
        assertThat(c.get("blocks-1-hook_resid_pre.decoder.bias").dtype()).isEqualTo(DType.F32);
    }

    @Test
    void halfStorageWithOffsetIsConvertedInJava() throws IOException {
        // storage of 6 halves: 0, 1, 2, -2, 0.5, 65504; tensor = elements 2..5 as [2, 2]
        short[] halves = {0x0000, 0x3c00, 0x4000, (short) 0xc000, 0x3800, 0x7bff};
        ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        for (short h : halves) {
            data.putShort(h);
        }
        Path f = zip("half.pt", new java.util.LinkedHashMap<>(Map.of(
                "archive/data.pkl", stateDict("HalfStorage", 6, 2, new int[] {2, 2}, new int[] {2, 1}),
                "archive/data/0", data.array())));
        HostTensor t = TorchCheckpoint.read(f).get("w", 2, 2);
        assertThat(t.dtype()).isEqualTo(DType.F16);
        assertThat(t.toFloatArray()).containsExactly(2f, -2f, 0.5f, 65504f);
    }

    @Test
    void bf16StorageIsConvertedInJava() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort((short) 0x3f80).putShort((short) 0xc040); // 1.0, -3.0
        Path f = zip("bf16.pt", Map.of(
                "m/data.pkl", stateDict("BFloat16Storage", 2, 0, new int[] {2}, new int[] {1}),
                "m/data/0", data.array()));
        assertThat(TorchCheckpoint.read(f).get("w").toFloatArray()).containsExactly(1f, -3f);
    }

    @Test
    void nonContiguousTensorIsRefusedClearly() throws IOException {
        Path f = zip("t.pt", Map.of(
                "a/data.pkl", stateDict("FloatStorage", 4, 0, new int[] {2, 2}, new int[] {1, 2}),
                "a/data/0", new byte[16]));
        assertThatThrownBy(() -> TorchCheckpoint.read(f)).isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("tensor 'w'").hasMessageContaining("non-contiguous");
    }

    @Test
    void refusesGlobalOsSystemAndNamesIt() {
        byte[] evil = new Pkl().proto(2).global("os", "system").str("echo pwned").op(0x85).op('R').op('.').bytes();
        assertThatThrownBy(() -> SafeUnpickler.load("evil.pkl", evil)).isInstanceOf(UnsafePickleException.class)
                .hasMessageContaining("os.system").hasMessageContaining("evil.pkl");
    }

    @Test
    void refusesStackGlobalBuiltinsEvalAndNamesIt() {
        byte[] evil = new Pkl().proto(4).shortStr("builtins").shortStr("eval").op(0x93).shortStr("1+1").op(0x85).op('R').op('.').bytes();
        assertThatThrownBy(() -> SafeUnpickler.load("evil.pkl", evil)).isInstanceOf(UnsafePickleException.class)
                .hasMessageContaining("builtins.eval");
    }

    @Test
    void refusesAnEvilPickleInsideACheckpointZip() throws IOException {
        byte[] evil = new Pkl().proto(2).global("subprocess", "Popen").str("ls").op(0x85).op('R').op('.').bytes();
        Path f = zip("evil.pt", Map.of("archive/data.pkl", evil));
        assertThatThrownBy(() -> TorchCheckpoint.read(f)).isInstanceOf(UnsafePickleException.class)
                .hasMessageContaining("subprocess.Popen");
    }

    @Test
    void refusesReduceOfAnAllowedStorageTypeAsAFunction() {
        byte[] odd = new Pkl().proto(2).global("torch", "FloatStorage").op(')').op('R').op('.').bytes();
        assertThatThrownBy(() -> SafeUnpickler.load("odd.pkl", odd)).isInstanceOf(UnsafePickleException.class)
                .hasMessageContaining("torch.FloatStorage");
    }

    @Test
    void truncatedZipIsAClearError() throws IOException {
        byte[] all = Files.readAllBytes(Shared.path("fixtures/sae-tiny/apollo-e2e/samples_400000.pt"));
        Path f = tmp.resolve("truncated.pt");
        Files.write(f, java.util.Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() -> TorchCheckpoint.read(f)).isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("truncated.pt").hasMessageContaining("truncated or corrupt");
    }

    @Test
    void truncatedPickleIsAClearError() {
        byte[] p = stateDict("FloatStorage", 4, 0, new int[] {4}, new int[] {1});
        byte[] cut = java.util.Arrays.copyOf(p, p.length - 10);
        assertThatThrownBy(() -> SafeUnpickler.load("cut.pkl", cut)).isInstanceOf(TensorFormatException.class)
                .hasMessageContaining("cut.pkl").hasMessageContaining("truncated or corrupt");
    }

    @Test
    void missingStorageEntryIsNamed() throws IOException {
        Path f = zip("nostorage.pt", Map.of("a/data.pkl", stateDict("FloatStorage", 4, 0, new int[] {4}, new int[] {1})));
        assertThatThrownBy(() -> TorchCheckpoint.read(f)).hasMessageContaining("a/data/0").hasMessageContaining("missing");
    }

    @Test
    void legacyNonZipFormatIsRefused() throws IOException {
        Path f = tmp.resolve("legacy.pt");
        Files.write(f, new Pkl().proto(2).op('K', 1).op('.').bytes());
        assertThatThrownBy(() -> TorchCheckpoint.read(f)).hasMessageContaining("legacy");
    }

    /** Rewrites the sizes of one entry in its local and central headers. */
    static void declareSize(Path zip, String entry, long size, boolean compressedToo) throws IOException {
        byte[] b = Files.readAllBytes(zip);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        byte[] name = entry.getBytes(StandardCharsets.UTF_8);
        int patched = 0;
        for (int i = 0; i + 46 < b.length; i++) {
            int sig = bb.getInt(i);
            int nameAt = sig == 0x04034b50 ? i + 30 : sig == 0x02014b50 ? i + 46 : -1;
            int lenAt = sig == 0x04034b50 ? i + 26 : i + 28;
            int sizesAt = sig == 0x04034b50 ? i + 18 : i + 20;
            if (nameAt < 0 || (bb.getShort(lenAt) & 0xffff) != name.length
                    || !java.util.Arrays.equals(b, nameAt, nameAt + name.length, name, 0, name.length)) {
                continue;
            }
            if (compressedToo) {
                bb.putInt(sizesAt, (int) size);
            }
            bb.putInt(sizesAt + 4, (int) size);
            patched++;
        }
        assertThat(patched).as("local and central header of " + entry).isEqualTo(2);
        Files.write(zip, b);
    }

    /** Reads {@code f}, expecting a format error naming it, the entry and each of {@code fragments}; returns the bytes this thread allocated meanwhile. */
    static long allocatedWhileRefusing(Path f, String entry, String... fragments) {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        var thrown = assertThatThrownBy(() -> TorchCheckpoint.read(f)).isInstanceOf(TensorFormatException.class)
                .hasMessageContaining(f.getFileName().toString()).hasMessageContaining(entry);
        for (String s : fragments) {
            thrown.hasMessageContaining(s);
        }
        return threads.getThreadAllocatedBytes(tid) - before;
    }

    @Test
    void anEntryDeclaringJustUnder2GiBOverShortDataFailsWithoutAllocatingTheDeclaredSize() throws IOException {
        Path f = tmp.resolve("liar.pt");
        PtWriter.write(f, "liar", Map.of("w", HostTensor.f32(new long[] {4}, new float[] {1, 2, 3, 4})));
        long declared = TorchCheckpoint.MAX_ENTRY_BYTES - 1;
        declareSize(f, "liar/data/0", declared, true);

        long allocated = allocatedWhileRefusing(f, "liar/data/0", "truncated or corrupt", String.valueOf(declared));
        assertThat(allocated).as("bytes allocated while refusing the entry").isLessThan(64L << 20);
    }

    @Test
    void aDeflatedEntryShorterThanItsHeaderSaysIsTruncatedAndReadInBoundedChunks() throws IOException {
        // deflated: the stored-size shortcut does not apply, the chunked read has to find out
        byte[] data = new byte[3 << 20]; // 3 MiB of zeros: several chunks, tiny compressed
        Path f = tmp.resolve("deflated.pt");
        try (OutputStream os = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(os)) {
            z.putNextEntry(new ZipEntry("d/data.pkl"));
            z.write(stateDict("FloatStorage", 4, 0, new int[] {4}, new int[] {1})); // a tensor over the storage's first 4 floats
            z.closeEntry();
            z.putNextEntry(new ZipEntry("d/data/0"));
            z.write(data);
            z.closeEntry();
        }
        TorchCheckpoint ok = TorchCheckpoint.read(f);
        assertThat(ok.get("w", 4).toFloatArray()).containsExactly(0f, 0f, 0f, 0f);

        long declared = TorchCheckpoint.MAX_ENTRY_BYTES - 1;
        declareSize(f, "d/data/0", declared, false);
        assertThat(allocatedWhileRefusing(f, "d/data/0", "truncated (3145728 of " + declared + " bytes)"))
                .as("bytes allocated while refusing the entry").isLessThan(64L << 20);
    }
}
