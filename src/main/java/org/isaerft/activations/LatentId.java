package org.isaerft.activations;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Names one latent: {@code <source>/<index>}, where source is an SAE hook
 * ({@code blocks.2.hook_resid_pre}), optionally prefixed by an SAE id
 * ({@code e2e/blocks.2.hook_resid_pre/123}), or an adapter's virtual latents
 * ({@code <adapter id>/ffnn/7}). Serialised as that string.
 */
public record LatentId(String source, int index) implements Comparable<LatentId> {
    public LatentId {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("latent id needs a source (e.g. blocks.2.hook_resid_pre)");
        }
        if (index < 0) {
            throw new IllegalArgumentException("latent index must be >= 0, found " + index + " for " + source);
        }
    }

    @JsonCreator
    public static LatentId parse(String id) {
        int slash = id == null ? -1 : id.lastIndexOf('/');
        if (slash <= 0 || slash == id.length() - 1) {
            throw new IllegalArgumentException("latent id must look like <source>/<index>, e.g. blocks.2.hook_resid_pre/123; found '" + id + "'");
        }
        try {
            return new LatentId(id.substring(0, slash), Integer.parseInt(id.substring(slash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("latent id must end in a number: '" + id + "'");
        }
    }

    @JsonValue
    @Override
    public String toString() {
        return source + "/" + index;
    }

    /** A form safe for file names: '/' becomes "__", other unsafe characters '_'. */
    public String fileSafe() {
        return toString().replace("/", "__").replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    @Override
    public int compareTo(LatentId o) {
        int c = source.compareTo(o.source);
        return c != 0 ? c : Integer.compare(index, o.index);
    }
}
