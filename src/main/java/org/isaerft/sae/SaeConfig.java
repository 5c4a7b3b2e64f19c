package org.isaerft.sae;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.isaerft.model.HookPoint;

/**
 * Everything needed to run an SAE besides its weights. Weights are always held in the canonical
 * SAELens layout: {@code W_enc} [d_in, d_sae], {@code b_enc} [d_sae], {@code W_dec} [d_sae, d_in],
 * {@code b_dec} [d_in], JumpReLU {@code threshold} [d_sae].
 *
 * @param id                    stable id (file or directory name, or release/id)
 * @param format                the loader that produced it ({@code apollo_e2e}, {@code saelens}, {@code sparsify}, or {@code new})
 * @param hookPoint             where the SAE reads and writes
 * @param dIn                   input width
 * @param dSae                  number of latents
 * @param activation            {@code relu}, {@code jumprelu} or {@code topk}
 * @param k                     latents kept per token for {@code topk}, else 0
 * @param applyBDecToInput      subtract {@code b_dec} from the input before encoding (SAELens, sparsify; not Apollo)
 * @param inputNormalization    raw → input space mapping
 * @param normalizeDecoderAtUse decoder rows L2-normalised at every use ({@code F.normalize}, eps 1e-12; Apollo)
 * @param modelName             the model the SAE was trained on, if known (informational)
 * @param metadata              free-form facts from the source config (informational)
 */
public record SaeConfig(
        String id,
        String format,
        HookPoint hookPoint,
        int dIn,
        int dSae,
        String activation,
        int k,
        boolean applyBDecToInput,
        InputNormalization inputNormalization,
        boolean normalizeDecoderAtUse,
        String modelName,
        Map<String, Object> metadata) {
    public static final String RELU = "relu";
    public static final String JUMPRELU = "jumprelu";
    public static final String TOPK = "topk";

    public SaeConfig {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("SAE id is required");
        }
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(hookPoint, "SAE " + id + ": hook point is required");
        if (dIn <= 0 || dSae <= 0) {
            throw new IllegalArgumentException("SAE " + id + ": d_in and d_sae must be positive, found d_in=" + dIn + " d_sae=" + dSae);
        }
        if (!RELU.equals(activation) && !JUMPRELU.equals(activation) && !TOPK.equals(activation)) {
            throw new IllegalArgumentException("SAE " + id + ": activation must be relu, jumprelu or topk, found '" + activation + "'");
        }
        if (TOPK.equals(activation) ? (k <= 0 || k > dSae) : k != 0) {
            throw new IllegalArgumentException("SAE " + id + ": k must be in 1.." + dSae + " for topk and 0 otherwise, found " + k
                    + " (activation " + activation + ")");
        }
        Objects.requireNonNull(inputNormalization, "inputNormalization");
        metadata = metadata == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(metadata));
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.id = id;
        b.format = format;
        b.hookPoint = hookPoint;
        b.dIn = dIn;
        b.dSae = dSae;
        b.activation = activation;
        b.k = k;
        b.applyBDecToInput = applyBDecToInput;
        b.inputNormalization = inputNormalization;
        b.normalizeDecoderAtUse = normalizeDecoderAtUse;
        b.modelName = modelName;
        b.metadata = metadata;
        return b;
    }

    /** Builder; defaults: format "new", relu, apply_b_dec_to_input true, no normalisation. */
    public static final class Builder {
        private String id;
        private String format = "new";
        private HookPoint hookPoint;
        private int dIn;
        private int dSae;
        private String activation = RELU;
        private int k;
        private boolean applyBDecToInput = true;
        private InputNormalization inputNormalization = InputNormalization.NONE;
        private boolean normalizeDecoderAtUse;
        private String modelName;
        private Map<String, Object> metadata = Map.of();

        public Builder id(String v) { id = v; return this; }
        public Builder format(String v) { format = v; return this; }
        public Builder hookPoint(HookPoint v) { hookPoint = v; return this; }
        public Builder dIn(int v) { dIn = v; return this; }
        public Builder dSae(int v) { dSae = v; return this; }
        public Builder relu() { activation = RELU; k = 0; return this; }
        public Builder jumpRelu() { activation = JUMPRELU; k = 0; return this; }
        public Builder topK(int v) { activation = TOPK; k = v; return this; }
        public Builder applyBDecToInput(boolean v) { applyBDecToInput = v; return this; }
        public Builder inputNormalization(InputNormalization v) { inputNormalization = v; return this; }
        public Builder normalizeDecoderAtUse(boolean v) { normalizeDecoderAtUse = v; return this; }
        public Builder modelName(String v) { modelName = v; return this; }
        public Builder metadata(Map<String, Object> v) { metadata = v; return this; }

        public SaeConfig build() {
            return new SaeConfig(id, format, hookPoint, dIn, dSae, activation, k, applyBDecToInput, inputNormalization,
                    normalizeDecoderAtUse, modelName, metadata);
        }
    }
}
