package org.isaerft.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.isaerft.hub.HubClient;
import org.isaerft.hub.ModelRegistry;
import org.isaerft.hub.ModelSpec;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelFamilies;
import org.isaerft.config.ProjectHome;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The picocli mixin every command uses to name and open a model: {@code --model SPEC} (a model
 * directory, or an alias from {@code configs/models.yaml} fetched mirror-first through the hub
 * cache) and {@code --device cpu|gpu}. Loading always goes through
 * {@link ModelFamilies#load}, so all commands see a model the same way.
 */
public final class ModelOptions {
    /** Where the model's weights live. */
    public enum DeviceKind { cpu, gpu }

    @Option(names = "--model", required = true, paramLabel = "SPEC",
            description = "Model directory (config.json + weights, or llama2.c .bin + tok*.bin), or an alias from configs/models.yaml "
                    + "(e.g. stories260K, gpt2). Aliases are fetched from the mirror (ISAERFT_MIRROR, default ../shared/models), "
                    + "the hub cache (HF_HOME) or the hub (HF_ENDPOINT, HF_TOKEN; never with HF_HUB_OFFLINE=1).")
    String model;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu",
            description = "Device for the weights and activations (default: ${DEFAULT-VALUE}).")
    DeviceKind device = DeviceKind.cpu;

    @Option(names = "--quiet", description = "No download progress on stderr.")
    boolean quiet;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    /** The project home when these options are not mixed into a command (else the command line's). */
    ProjectHome home;

    /** How a resolved directory becomes a model: {@link ModelFamilies#load} (tests substitute a stand-in). */
    java.util.function.BiFunction<java.nio.file.Path, NDManager, LanguageModel> loader = ModelFamilies::load;

    /** Options naming {@code model} (on the CPU), for commands that take the spec from an option of their own. */
    static ModelOptions of(String model, boolean quiet, ProjectHome home) {
        ModelOptions mo = new ModelOptions();
        mo.home = home;
        mo.model = model;
        mo.quiet = quiet;
        return mo;
    }

    /** The project home aliases are resolved in. */
    public ProjectHome home() {
        return home != null ? home : Main.home(mixee);
    }

    public String spec() {
        return model;
    }

    public DeviceKind device() {
        return device;
    }

    /** Resolves {@code --model} to a local directory (fetching alias files as needed). */
    public ModelSpec resolve() {
        return ModelSpec.resolve(model, ModelRegistry.project(home()), HubClient.builder().home(home()).quiet(quiet).build());
    }

    /** A base manager on the chosen device; closing it frees everything the model made. */
    public NDManager newManager() {
        if (device == DeviceKind.gpu) {
            int gpus = org.isaerft.util.Gpu.count();
            if (gpus == 0) {
                throw new IllegalArgumentException("--device gpu: the PyTorch engine sees no GPU (CPU natives are installed; "
                        + "build with the CUDA natives profile on a GPU machine)");
            }
            return NDManager.newBaseManager(Device.gpu());
        }
        return NDManager.newBaseManager(Device.cpu());
    }

    /** Resolves and loads the model; close the result to free weights and manager. */
    public Opened open() {
        ModelSpec spec = resolve();
        NDManager manager = newManager();
        try {
            return new Opened(spec, manager, loader.apply(spec.dir(), manager));
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** A loaded model with the manager that owns it. */
    public record Opened(ModelSpec spec, NDManager manager, LanguageModel model) implements AutoCloseable {
        @Override
        public void close() {
            try {
                model.close();
            } finally {
                manager.close();
            }
        }
    }
}
