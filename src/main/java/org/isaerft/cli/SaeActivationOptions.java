package org.isaerft.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.isaerft.sae.Sae;
import org.isaerft.sae.SaeSplice;
import org.isaerft.model.Hooks;
import org.isaerft.tensor.HostTensor;
import picocli.CommandLine.Option;

/**
 * The optional {@code --sae} of {@code isaerft activations}: the SAE is spliced at its hook with
 * the error term (so every activation and the logits are unchanged) and its latents and
 * reconstruction are written as {@code <hook>.sae.latents} [batch, seq, d_sae],
 * {@code <hook>.sae.reconstruction} and {@code <hook>.sae.input} [batch, seq, d_in], the latter two
 * in the SAE's input space (its own convention applied: Apollo centring, SAELens normalisation).
 */
public final class SaeActivationOptions {
    @Option(names = "--sae", paramLabel = "SPEC",
            description = "Also write this SAE's latents and reconstruction at its hook (SAE directory, Apollo .pt, or RELEASE/ID).")
    String sae;

    @Option(names = "--sae-hook", paramLabel = "HOOK", description = "Hook of the SAE (multi-position Apollo checkpoints, sparsify).")
    String hook;

    @Option(names = "--pretrained", paramLabel = "FILE", description = "Pretrained SAE catalogue (default: configs/pretrained_saes.yaml).")
    Path catalogue;

    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec mixee;

    public boolean present() {
        return sae != null;
    }

    public Sae open(NDManager parent, boolean quiet) {
        return SaeCommand.openSae(sae, hook, catalogue, parent, quiet, Main.home(mixee));
    }

    /** Error-term splice hooks that copy each call's latents, reconstruction and input to {@code sink} (host F32). */
    public static Hooks observe(Sae sae, Map<String, HostTensor> sink) {
        String h = sae.hookPoint().name();
        return SaeSplice.of(sae).errorTerm(true).onStep(s -> {
            sink.put(h + ".sae.latents", HostTensor.of(s.latents()));
            sink.put(h + ".sae.reconstruction", HostTensor.of(s.reconstruction()));
            sink.put(h + ".sae.input", HostTensor.of(s.input()));
        }).hooks();
    }

    /** Metadata entries describing the SAE. */
    public static Map<String, String> metadata(Sae sae) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("sae", sae.id());
        m.put("sae_format", sae.config().format());
        m.put("sae_hook", sae.hookPoint().name());
        m.put("sae_activation", sae.activation());
        m.put("sae_input_normalization", sae.config().inputNormalization().label());
        return m;
    }
}
