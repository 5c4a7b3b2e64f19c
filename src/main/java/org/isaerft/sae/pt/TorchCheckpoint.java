package org.isaerft.sae.pt;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.isaerft.tensor.DType;
import org.isaerft.tensor.HostTensor;
import org.isaerft.tensor.TensorFormatException;

/**
 * Reads a PyTorch zip checkpoint ({@code torch.save} since 1.6): {@code <archive>/data.pkl} is
 * unpickled with {@link SafeUnpickler} (nothing executed), tensors are rebuilt from the raw
 * storages in {@code <archive>/data/<key>}, honouring storage offset, size and stride (contiguous
 * tensors only). F16/BF16 stay in their dtype in the {@link HostTensor} and are widened in Java.
 *
 * <p>Nested dicts are flattened with dots ({@code {"a": {"b": t}}} → {@code "a.b"}); values that
 * are not tensors are kept in {@link #values()}.
 */
public record TorchCheckpoint(Path path, Map<String, HostTensor> tensors, Map<String, Object> values) {
    public TorchCheckpoint {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public HostTensor get(String name) {
        HostTensor t = tensors.get(name);
        if (t == null) {
            throw new TensorFormatException(path + ": tensor '" + name + "' is missing (checkpoint has " + tensors.keySet() + ")");
        }
        return t;
    }

    public HostTensor get(String name, long... expected) {
        HostTensor t = get(name);
        if (!Arrays.equals(t.shape(), expected)) {
            throw new TensorFormatException(path + ": tensor '" + name + "' has shape " + t.shapeString() + ", expected "
                    + Arrays.toString(expected));
        }
        return t;
    }

    public static TorchCheckpoint read(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new TensorFormatException(path + ": file not found");
        }
        try {
            byte[] head = new byte[4];
            try (InputStream s = Files.newInputStream(path)) {
                int n = s.readNBytes(head, 0, 4);
                if (n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
                    throw new TensorFormatException(path + ": legacy (pre-1.6, non-zip) torch.save format is not supported; "
                            + "re-save it with torch.save(obj, f) from torch >= 1.6 or convert it to safetensors");
                }
                if (n < 4 || head[0] != 'P' || head[1] != 'K') {
                    throw new TensorFormatException(path + ": not a PyTorch zip checkpoint (does not start with a zip header)");
                }
            }
            try (ZipFile zip = new ZipFile(path.toFile())) {
                return readZip(path, zip);
            }
        } catch (ZipException e) {
            throw new TensorFormatException(path + ": not a readable PyTorch zip checkpoint (truncated or corrupt: " + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new TensorFormatException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static TorchCheckpoint readZip(Path path, ZipFile zip) throws IOException {
        String pklName = null;
        Enumeration<? extends ZipEntry> en = zip.entries();
        while (en.hasMoreElements()) {
            String n = en.nextElement().getName();
            if (n.equals("data.pkl") || (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length())) {
                if (pklName != null) {
                    throw new TensorFormatException(path + ": zip has two pickles (" + pklName + ", " + n + ")");
                }
                pklName = n;
            }
        }
        if (pklName == null) {
            throw new TensorFormatException(path + ": zip has no <archive>/data.pkl entry: not a torch.save checkpoint");
        }
        String prefix = pklName.substring(0, pklName.length() - "data.pkl".length());
        ZipEntry bo = zip.getEntry(prefix + "byteorder");
        if (bo != null) {
            String order = new String(readEntry(zip, bo, path), StandardCharsets.US_ASCII).trim();
            if (!order.equals("little")) {
                throw new TensorFormatException(path + ": byteorder '" + order + "' is not supported (little-endian only)");
            }
        }
        Object root = SafeUnpickler.load(path.getFileName() + ": " + pklName, readEntry(zip, zip.getEntry(pklName), path));
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, ByteBuffer> storages = new HashMap<>();
        if (root instanceof SafeUnpickler.TensorRef t) {
            tensors.put("", rebuild(path, zip, prefix, "<root>", t, storages));
        } else if (root instanceof Map<?, ?> m) {
            flatten(path, zip, prefix, "", m, tensors, values, storages);
        } else {
            throw new TensorFormatException(path + ": checkpoint root is " + root.getClass().getSimpleName() + ", expected a dict of tensors");
        }
        return new TorchCheckpoint(path, tensors, values);
    }

    private static void flatten(Path path, ZipFile zip, String prefix, String keyPrefix, Map<?, ?> m, Map<String, HostTensor> tensors,
            Map<String, Object> values, Map<String, ByteBuffer> storages) throws IOException {
        for (var e : m.entrySet()) {
            String k = keyPrefix + e.getKey();
            Object v = e.getValue();
            if (v instanceof SafeUnpickler.TensorRef t) {
                tensors.put(k, rebuild(path, zip, prefix, k, t, storages));
            } else if (v instanceof Map<?, ?> sub) {
                flatten(path, zip, prefix, k + ".", sub, tensors, values, storages);
            } else {
                values.put(k, v);
            }
        }
    }

    static DType dtypeOf(String storageType) {
        return switch (storageType) {
            case "FloatStorage" -> DType.F32;
            case "DoubleStorage" -> DType.F64;
            case "HalfStorage" -> DType.F16;
            case "BFloat16Storage" -> DType.BF16;
            case "LongStorage" -> DType.I64;
            case "IntStorage" -> DType.I32;
            case "ShortStorage" -> DType.I16;
            case "CharStorage" -> DType.I8;
            case "ByteStorage" -> DType.U8;
            case "BoolStorage" -> DType.BOOL;
            default -> throw new TensorFormatException("unsupported storage type torch." + storageType);
        };
    }

    private static HostTensor rebuild(Path path, ZipFile zip, String prefix, String name, SafeUnpickler.TensorRef t,
            Map<String, ByteBuffer> storages) throws IOException {
        String where = path + ": tensor '" + name + "'";
        DType dt = dtypeOf(t.storage().storageType());
        long[] size = t.size();
        long[] stride = t.stride();
        if (size.length != stride.length) {
            throw new TensorFormatException(where + ": size " + Arrays.toString(size) + " and stride " + Arrays.toString(stride)
                    + " have different ranks");
        }
        long expect = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expect) {
                throw new TensorFormatException(where + ": non-contiguous tensor (size " + Arrays.toString(size) + ", stride "
                        + Arrays.toString(stride) + ") is not supported; save it with .contiguous()");
            }
            expect *= size[i];
        }
        long numel = HostTensor.numel(size);
        String key = t.storage().key();
        ByteBuffer storage = storages.get(key);
        if (storage == null) {
            ZipEntry e = zip.getEntry(prefix + "data/" + key);
            if (e == null) {
                throw new TensorFormatException(where + ": storage entry " + prefix + "data/" + key + " is missing from the zip");
            }
            byte[] b = readEntry(zip, e, path);
            long need = t.storage().numel() * dt.bytes();
            if (b.length < need) {
                throw new TensorFormatException(where + ": storage " + prefix + "data/" + key + " has " + b.length + " bytes, expected "
                        + need + " (" + t.storage().numel() + " × " + dt + ")");
            }
            storage = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            storages.put(key, storage);
        }
        long begin = t.storageOffset() * dt.bytes();
        long end = begin + numel * dt.bytes();
        if (t.storageOffset() < 0 || t.storageOffset() + numel > t.storage().numel() || end > storage.capacity()) {
            throw new TensorFormatException(where + ": offset " + t.storageOffset() + " + " + numel + " elements exceeds storage '"
                    + key + "' of " + t.storage().numel() + " elements");
        }
        ByteBuffer slice = storage.duplicate().position((int) begin).limit((int) end).slice();
        return new HostTensor(dt, size, slice);
    }

    /** The largest entry a Java array can hold (with a little headroom). */
    static final long MAX_ENTRY_BYTES = Integer.MAX_VALUE - 16;
    /** Reads grow their buffer in steps of at most this size, so a lying header costs nothing. */
    static final int CHUNK_BYTES = 1 << 20;

    /**
     * Reads one entry in bounded chunks. The size the zip header declares is never allocated up
     * front: the buffer grows with the bytes that actually arrive (doubling, from at most 1 MiB), so
     * a header claiming ~2 GiB over a few bytes of data fails with "truncated" after reading them.
     */
    private static byte[] readEntry(ZipFile zip, ZipEntry e, Path path) throws IOException {
        long declared = e.getSize();
        String what = path + ": zip entry " + e.getName();
        if (declared > MAX_ENTRY_BYTES) {
            throw new TensorFormatException(what + " declares " + declared + " bytes, over the 2 GiB limit of one entry; not supported");
        }
        long fileSize = Files.size(path);
        if (e.getMethod() == ZipEntry.STORED && e.getCompressedSize() > fileSize) {
            throw new TensorFormatException(what + " is truncated or corrupt: it declares " + e.getCompressedSize()
                    + " stored bytes but the whole file has " + fileSize);
        }
        long cap = declared >= 0 ? declared : MAX_ENTRY_BYTES;
        try (InputStream s = zip.getInputStream(e)) {
            byte[] buf = new byte[(int) Math.min(cap, CHUNK_BYTES)];
            int n = 0;
            while (true) {
                if (n == buf.length) {
                    if (n >= cap) {
                        if (s.read() >= 0) {
                            throw new TensorFormatException(what + " holds more than the " + cap + " bytes "
                                    + (declared >= 0 ? "its header declares" : "one entry may have"));
                        }
                        break;
                    }
                    buf = Arrays.copyOf(buf, (int) Math.min(cap, Math.max(2L * buf.length, CHUNK_BYTES)));
                }
                int r = s.read(buf, n, Math.min(buf.length - n, CHUNK_BYTES));
                if (r < 0) {
                    break;
                }
                n += r;
            }
            if (declared >= 0 && n != declared) {
                throw new TensorFormatException(what + " is truncated (" + n + " of " + declared + " bytes)");
            }
            return n == buf.length ? buf : Arrays.copyOf(buf, n);
        } catch (ZipException | java.io.EOFException ex) {
            throw new TensorFormatException(what + " is truncated or corrupt: " + ex.getMessage(), ex);
        }
    }
}
