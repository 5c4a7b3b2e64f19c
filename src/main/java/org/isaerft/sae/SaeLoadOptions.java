package org.isaerft.sae;

import java.util.Map;
import java.util.Optional;
import org.isaerft.model.HookPoint;

/**
 * Choices a loader cannot read from the files alone.
 *
 * @param hookPoint         which SAE to load from a multi-SAE checkpoint (Apollo), or the hook of a
 *                          format that does not record it (sparsify); null = from the files
 * @param id                id to give the SAE; null = derived from the file or directory name
 * @param normScalingFactor SAELens {@code expected_average_only_in} dataset scaling factor, folded
 *                          into the weights at load; null = none known (a warning is logged and the
 *                          SAE runs unscaled, as SAELens does)
 * @param configOverrides   top-level config fields that replace the file's (SAELens' {@code config_overrides}
 *                          of a pretrained release), for formats with a JSON config
 */
public record SaeLoadOptions(HookPoint hookPoint, String id, Double normScalingFactor, Map<String, Object> configOverrides) {
    public SaeLoadOptions {
        configOverrides = configOverrides == null ? Map.of() : Map.copyOf(configOverrides);
        if (normScalingFactor != null && !(normScalingFactor > 0) ) {
            throw new IllegalArgumentException("norm_scaling_factor must be > 0, found " + normScalingFactor);
        }
    }

    public static SaeLoadOptions defaults() {
        return new SaeLoadOptions(null, null, null, Map.of());
    }

    public static SaeLoadOptions atHook(HookPoint hook) {
        return new SaeLoadOptions(hook, null, null, Map.of());
    }

    public SaeLoadOptions withHook(HookPoint hook) {
        return new SaeLoadOptions(hook, id, normScalingFactor, configOverrides);
    }

    public SaeLoadOptions withId(String newId) {
        return new SaeLoadOptions(hookPoint, newId, normScalingFactor, configOverrides);
    }

    public SaeLoadOptions withNormScalingFactor(Double s) {
        return new SaeLoadOptions(hookPoint, id, s, configOverrides);
    }

    public SaeLoadOptions withConfigOverrides(Map<String, Object> overrides) {
        return new SaeLoadOptions(hookPoint, id, normScalingFactor, overrides);
    }

    public Optional<HookPoint> hook() {
        return Optional.ofNullable(hookPoint);
    }
}
