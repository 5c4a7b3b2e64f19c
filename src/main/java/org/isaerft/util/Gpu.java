package org.isaerft.util;

import ai.djl.engine.Engine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one GPU probe of a process. DJL's own CUDA probe warns on every CPU-only machine that has a
 * cudart library (its logger is set to error in {@code simplelogger.properties}); this asks the engine
 * once, caches the answer and logs it at debug, so a CPU user sees no GPU warnings.
 */
public final class Gpu {
    private static final Logger LOG = LoggerFactory.getLogger(Gpu.class);
    private static volatile Integer count;

    private Gpu() {
    }

    /** Number of GPUs the PyTorch engine can use (0 on CPU-only machines or with CPU natives). */
    public static int count() {
        Integer c = count;
        if (c == null) {
            synchronized (Gpu.class) {
                c = count;
                if (c == null) {
                    c = Engine.getInstance().getGpuCount();
                    LOG.debug("GPU probe: {} GPU(s) visible to engine {} {}", c, Engine.getInstance().getEngineName(),
                            Engine.getInstance().getVersion());
                    count = c;
                }
            }
        }
        return c;
    }

    /** True when at least one GPU is usable. */
    public static boolean available() {
        return count() > 0;
    }
}
