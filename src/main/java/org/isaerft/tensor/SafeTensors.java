package org.isaerft.tensor;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.isaerft.util.AtomicFiles;

/**
 * Reader and writer for the safetensors format: 8-byte little-endian header length N, N bytes of
 * JSON header, then the tensors' bytes. Read by memory-mapping; every header entry is checked
 * against the file (dtype, shape × element size = byte range, ranges inside the data section).
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L * 1024 * 1024;

    private SafeTensors() {}

    /** A parsed file: tensors in header order and the {@code __metadata__} strings. */
    public record File(Path path, Map<String, HostTensor> tensors, Map<String, String> metadata) {
        public HostTensor get(String name) {
            HostTensor t = tensors.get(name);
            if (t == null) {
                throw new TensorFormatException(path + ": tensor '" + name + "' is missing (file has " + tensors.size()
                        + " tensors: " + preview() + ")");
            }
            return t;
        }

        /** The tensor, checked to have exactly {@code expected} shape. */
        public HostTensor get(String name, long... expected) {
            HostTensor t = get(name);
            if (!java.util.Arrays.equals(t.shape(), expected)) {
                throw new TensorFormatException(path + ": tensor '" + name + "' has shape " + t.shapeString()
                        + ", expected " + java.util.Arrays.toString(expected));
            }
            return t;
        }

        public boolean has(String name) {
            return tensors.containsKey(name);
        }

        private String preview() {
            var names = tensors.keySet().stream().limit(8).toList();
            return names + (tensors.size() > 8 ? "…" : "");
        }
    }

    public static File read(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new TensorFormatException(path + ": not a safetensors file (" + size + " bytes, need at least 8 for the header length)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(lenBuf, 0);
            long n = lenBuf.getLong(0);
            if (n <= 0 || n > MAX_HEADER || 8 + n > size) {
                throw new TensorFormatException(path + ": corrupt safetensors header: header length " + n
                        + " does not fit a file of " + size + " bytes");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            ch.read(hb, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8).trim());
            } catch (IOException e) {
                throw new TensorFormatException(path + ": corrupt safetensors header: not valid JSON (" + e.getMessage() + ")", e);
            }
            if (header == null || !header.isObject()) {
                throw new TensorFormatException(path + ": corrupt safetensors header: expected a JSON object");
            }
            long dataStart = 8 + n;
            long dataLen = size - dataStart;
            ByteBuffer all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
            Map<String, HostTensor> tensors = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = header.fields();
            while (it.hasNext()) {
                var e = it.next();
                String name = e.getKey();
                JsonNode v = e.getValue();
                if (name.equals("__metadata__")) {
                    v.fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                String where = path + ": tensor '" + name + "'";
                if (!v.has("dtype") || !v.has("shape") || !v.has("data_offsets")) {
                    throw new TensorFormatException(where + ": header entry needs dtype, shape and data_offsets, found " + v);
                }
                DType dt = DType.parse(v.get("dtype").asText(), where);
                long[] shape = new long[v.get("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = v.get("shape").get(i).asLong();
                }
                long begin = v.get("data_offsets").get(0).asLong();
                long end = v.get("data_offsets").get(1).asLong();
                long need = HostTensor.numel(shape) * dt.bytes();
                if (begin < 0 || end < begin || end > dataLen) {
                    throw new TensorFormatException(where + ": data_offsets [" + begin + ", " + end + "] outside the data section of "
                            + dataLen + " bytes (file truncated or header corrupt)");
                }
                if (end - begin != need) {
                    throw new TensorFormatException(where + ": shape " + java.util.Arrays.toString(shape) + " of " + dt + " needs "
                            + need + " bytes, but data_offsets span " + (end - begin));
                }
                if (end - begin > Integer.MAX_VALUE) {
                    throw new TensorFormatException(where + ": tensors over 2 GiB are not supported");
                }
                ByteBuffer slice = all.duplicate().position((int) (dataStart + begin)).limit((int) (dataStart + end)).slice();
                tensors.put(name, new HostTensor(dt, shape, slice));
            }
            return new File(path, tensors, meta);
        } catch (NoSuchFileException e) {
            throw new TensorFormatException(path + ": file not found", e);
        } catch (IOException e) {
            throw new TensorFormatException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Writes tensors (in map order) and string metadata to {@code path}, atomically. */
    public static void write(Path path, Map<String, HostTensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        (metadata == null ? Map.<String, String>of() : metadata).forEach(meta::put);
        long off = 0;
        for (var e : tensors.entrySet()) {
            HostTensor t = e.getValue();
            ObjectNode o = header.putObject(e.getKey());
            o.put("dtype", t.dtype().name());
            var sh = o.putArray("shape");
            for (long d : t.shape()) {
                sh.add(d);
            }
            long len = t.data().remaining();
            o.putArray("data_offsets").add(off).add(off + len);
            off += len;
        }
        byte[] hj;
        try {
            hj = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int pad = (8 - hj.length % 8) % 8;
        byte[] hdr = new byte[hj.length + pad];
        System.arraycopy(hj, 0, hdr, 0, hj.length);
        java.util.Arrays.fill(hdr, hj.length, hdr.length, (byte) ' ');
        AtomicFiles.write(path, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, hdr.length);
            out.write(len.array());
            out.write(hdr);
            byte[] buf = new byte[1 << 16];
            for (HostTensor t : tensors.values()) {
                ByteBuffer d = t.data().duplicate();
                while (d.hasRemaining()) {
                    int k = Math.min(buf.length, d.remaining());
                    d.get(buf, 0, k);
                    out.write(buf, 0, k);
                }
            }
        });
    }

    /** Convenience: engine arrays copied to host and written. */
    public static void writeArrays(Path path, Map<String, NDArray> arrays, Map<String, String> metadata) {
        Map<String, HostTensor> host = new LinkedHashMap<>();
        arrays.forEach((k, v) -> host.put(k, HostTensor.of(v)));
        write(path, host, metadata);
    }
}
