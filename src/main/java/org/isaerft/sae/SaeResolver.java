package org.isaerft.sae;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.isaerft.model.HookPoint;

/**
 * Turns an SAE spec into a loaded SAE. A spec is either a local path (a directory, or an Apollo
 * {@code .pt} file; the format is detected from the files) or {@code RELEASE/ID} from the
 * {@link PretrainedSaes} catalogue, whose files are fetched with the {@link SaeFetcher}.
 */
public final class SaeResolver {
    private final PretrainedSaes catalogue;
    private final SaeFetcher fetcher;

    public SaeResolver(PretrainedSaes catalogue, SaeFetcher fetcher) {
        this.catalogue = catalogue;
        this.fetcher = fetcher;
    }

    /** Where a spec's files are, in which format, and the options its catalogue entry implies. */
    public record Located(String spec, Path path, SaeFormat format, SaeLoadOptions options) {}

    public Located locate(String spec, SaeLoadOptions options) {
        Objects.requireNonNull(spec, "SAE spec");
        Path local = Path.of(spec);
        if (Files.exists(local)) {
            return new Located(spec, local, SaeFormats.detect(local), options);
        }
        int slash = spec.indexOf('/');
        PretrainedSaes.Release release = slash > 0 && catalogue != null ? catalogue.release(spec.substring(0, slash)).orElse(null) : null;
        if (release == null) {
            throw new IllegalArgumentException("SAE '" + spec + "' is neither an existing path nor RELEASE/ID of "
                    + (catalogue == null ? "a pretrained catalogue (none loaded)" : catalogue.source() + " (releases: "
                    + catalogue.releases().keySet() + ")"));
        }
        PretrainedSaes.Entry entry = release.sae(spec.substring(slash + 1));
        if (fetcher == null) {
            throw new IllegalStateException("SAE '" + spec + "' must be fetched from " + release.repoId() + " but no hub client is configured");
        }
        SaeFormat format = SaeFormats.forName(release.format());
        List<Path> files = new ArrayList<>();
        for (String f : format.remoteFiles(entry.path())) {
            Path p = fetcher.fetch(release.repoId(), release.revision(), f);
            if (p == null || !Files.isRegularFile(p)) {
                throw new IllegalStateException("fetching " + release.repoId() + "@" + release.revision() + ":" + f + " gave no file (" + p + ")");
            }
            files.add(p);
        }
        Path dir = files.get(0).toAbsolutePath().getParent();
        for (Path p : files) {
            if (!p.toAbsolutePath().getParent().equals(dir)) {
                throw new IllegalStateException("files of " + spec + " were fetched into different folders: " + files);
            }
        }
        Path path = format instanceof ApolloE2eFormat
                ? files.stream().filter(p -> p.getFileName().toString().endsWith(".pt")).findFirst().orElseThrow()
                : dir;
        SaeLoadOptions o = options;
        if (o.id() == null) {
            o = o.withId(spec);
        }
        if (o.normScalingFactor() == null && entry.extra().get("norm_scaling_factor") instanceof Number n) {
            o = o.withNormScalingFactor(n.doubleValue());
        }
        if (o.configOverrides().isEmpty() && !release.configOverrides().isEmpty()) {
            o = o.withConfigOverrides(release.configOverrides());
        }
        return new Located(spec, path, format, o);
    }

    /**
     * The one way to open an SAE (the CLI's {@code --sae} and the pipeline's stages call it): {@code spec} a local path or
     * RELEASE/ID of {@code catalogue} (the project's {@code configs/pretrained_saes.yaml}, used if present; null = none) fetched with {@code fetcher};
     * {@code hook} (may be null) picks the SAE of a multi-position checkpoint or names a sparsify SAE's hook. Relative paths
     * are the caller's to resolve (the CLI against the working folder, run configs against the project home).
     */
    public static Sae open(String spec, String hook, Path catalogue, SaeFetcher fetcher, NDManager parent) {
        PretrainedSaes pretrained = catalogue != null && Files.exists(catalogue) ? PretrainedSaes.load(catalogue) : null;
        SaeLoadOptions o = hook == null ? SaeLoadOptions.defaults() : SaeLoadOptions.atHook(HookPoint.parse(hook));
        return new SaeResolver(pretrained, fetcher).resolve(spec, o, parent);
    }

    public Sae resolve(String spec, SaeLoadOptions options, NDManager parent) {
        Located l = locate(spec, options);
        return l.format().load(l.path(), l.options(), parent);
    }
}
