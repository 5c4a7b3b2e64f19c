package org.isaerft.sae;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** The registry of SAE formats, keyed by {@link SaeFormat#name()}, with detection from files. */
public final class SaeFormats {
    private SaeFormats() {}

    public static List<SaeFormat> all() {
        List<SaeFormat> out = new ArrayList<>();
        ServiceLoader.load(SaeFormat.class).forEach(out::add);
        return out;
    }

    public static SaeFormat forName(String name) {
        TreeSet<String> known = new TreeSet<>();
        for (SaeFormat f : all()) {
            if (f.name().equals(name)) {
                return f;
            }
            known.add(f.name());
        }
        throw new IllegalArgumentException("unknown SAE format '" + name + "' (known: " + known + ")");
    }

    /** The format whose files are at {@code path}. */
    public static SaeFormat detect(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("SAE path not found: " + path);
        }
        List<SaeFormat> hits = new ArrayList<>();
        StringBuilder expected = new StringBuilder();
        for (SaeFormat f : all()) {
            if (f.recognises(path)) {
                hits.add(f);
            }
            expected.append("\n  ").append(f.name()).append(": ").append(f.expectedFiles());
        }
        if (hits.isEmpty()) {
            throw new IllegalArgumentException(path + ": no SAE format recognises these files; expected one of:" + expected);
        }
        if (hits.size() > 1) {
            throw new IllegalArgumentException(path + ": ambiguous SAE files, matching formats " + hits.stream().map(SaeFormat::name).toList());
        }
        return hits.get(0);
    }

    public static Sae load(Path path, SaeLoadOptions options, NDManager parent) {
        return detect(path).load(path, options, parent);
    }

    public static List<Sae> loadAll(Path path, SaeLoadOptions options, NDManager parent) {
        return detect(path).loadAll(path, options, parent);
    }
}
