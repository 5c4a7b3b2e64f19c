package org.isaerft.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.isaerft.util.AtomicFiles;

/**
 * A resolved {@code --model SPEC}: a local directory holding the model's files, and the alias
 * entry it came from (if any). A spec is either an existing directory, or an alias of
 * {@code configs/models.yaml} whose files are fetched (mirror first, then cache, then hub).
 *
 * @param spec  the spec as given
 * @param dir   the directory to load with {@code ModelFamilies.load}
 * @param alias the registry entry when the spec was an alias
 */
public record ModelSpec(String spec, Path dir, Optional<ModelRegistry.Entry> alias) {
    public ModelSpec {
        if (spec == null || dir == null || alias == null) {
            throw new IllegalArgumentException("model spec, directory and alias (Optional) are required");
        }
    }

    /** Resolves with {@code home}'s registry and a hub client from the environment. */
    public static ModelSpec resolve(String spec, org.isaerft.config.ProjectHome home) {
        return resolve(spec, ModelRegistry.project(home), HubClient.fromEnvironment(home));
    }

    public static ModelSpec resolve(String spec, ModelRegistry registry, HubClient hub) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--model is required: a model directory or one of the aliases "
                    + registry.aliases() + " (" + registry.source() + ")");
        }
        Path asPath = Path.of(spec);
        if (Files.isDirectory(asPath)) {
            return new ModelSpec(spec, asPath.toAbsolutePath().normalize(), Optional.empty());
        }
        Optional<ModelRegistry.Entry> entry = registry.get(spec);
        if (entry.isEmpty()) {
            throw new IllegalArgumentException("unknown model '" + spec + "': not a directory and not an alias in "
                    + registry.source() + " (known aliases: " + String.join(", ", registry.aliases()) + ")");
        }
        List<HubFile> files = entry.get().hubFiles();
        List<Path> local = new ArrayList<>();
        for (HubFile f : files) {
            local.add(hub.fetch(f));
        }
        return new ModelSpec(spec, modelDirectory(spec, files, local, hub.cacheDir()), entry);
    }

    /**
     * The directory that holds all of an alias's files under their base names: their common
     * parent when they landed in one place, else a directory of links assembled under the cache.
     */
    static Path modelDirectory(String alias, List<HubFile> files, List<Path> local, Path cacheDir) {
        Set<Path> parents = new LinkedHashSet<>();
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < files.size(); i++) {
            Path p = local.get(i).toAbsolutePath().normalize();
            parents.add(p.getParent());
            if (!p.getFileName().toString().equals(baseName(files.get(i).path()))) {
                parents.add(null); // file not under its own name (e.g. a renamed mirror copy): assemble
            }
            names.add(baseName(files.get(i).path()));
        }
        if (names.size() != files.size()) {
            throw new IllegalArgumentException("model alias '" + alias + "' lists two files with the same base name: "
                    + files.stream().map(HubFile::path).toList());
        }
        if (parents.size() == 1 && !parents.contains(null)) {
            return parents.iterator().next();
        }
        StringBuilder key = new StringBuilder();
        for (Path p : local) {
            key.append(p.toAbsolutePath().normalize()).append('\n');
        }
        Path dir = cacheDir.resolve("isaerft-models").resolve(alias.replaceAll("[^A-Za-z0-9._-]", "_") + "-"
                + sha256(key.toString()).substring(0, 12));
        if (Files.isDirectory(dir)) {
            return dir;
        }
        try {
            Files.createDirectories(dir.getParent());
            Path tmp = Files.createTempDirectory(dir.getParent(), "." + dir.getFileName() + ".");
            for (int i = 0; i < files.size(); i++) {
                Path link = tmp.resolve(baseName(files.get(i).path()));
                Path target = local.get(i).toAbsolutePath().normalize();
                try {
                    Files.createSymbolicLink(link, target);
                } catch (UnsupportedOperationException | IOException e) {
                    Files.copy(target, link);
                }
            }
            try {
                AtomicFiles.moveIntoPlace(tmp, dir);
            } catch (IOException e) {
                if (!Files.isDirectory(dir)) {
                    throw e;
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot assemble the files of model '" + alias + "' in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String baseName(String repoPath) {
        int i = repoPath.lastIndexOf('/');
        return i < 0 ? repoPath : repoPath.substring(i + 1);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
