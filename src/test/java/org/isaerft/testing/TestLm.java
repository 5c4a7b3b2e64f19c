package org.isaerft.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.isaerft.model.HookPoint;
import org.isaerft.model.Hooks;
import org.isaerft.model.LanguageModel;
import org.isaerft.model.ModelConfig;
import org.isaerft.model.Tokenizer;

/**
 * Common plumbing of the test language models ({@link TinyLm}, {@link CumMeanLm}, {@link ToyModel}):
 * a weight sub-manager closed by {@link #close()}, a fixed config, tokenizer and hook-point list.
 * Subclasses write only the forward pass, calling {@link #hook} at each point.
 */
public abstract class TestLm implements LanguageModel {
    protected final NDManager manager;
    private final ModelConfig config;
    private final Tokenizer tokenizer;
    private final List<HookPoint> hookPoints;
    /** The last hook point the most recent forward pass reached (null before the first pass). */
    public HookPoint lastReached;

    protected TestLm(NDManager parent, ModelConfig config, Tokenizer tokenizer, List<HookPoint> hookPoints) {
        this.manager = parent.newSubManager();
        this.config = config;
        this.tokenizer = tokenizer;
        this.hookPoints = List.copyOf(hookPoints);
    }

    /** Runs {@code hooks} at {@code point} on {@code x} and records the point as reached. */
    protected final NDArray hook(Hooks hooks, HookPoint point, NDArray x) {
        lastReached = point;
        return hooks.apply(point, x);
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public List<HookPoint> hookPoints() {
        return hookPoints;
    }

    @Override
    public void close() {
        manager.close();
    }
}
