package org.isaerft.testing;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One engine base manager per test class: opened before the class's {@code @BeforeAll} methods run
 * and closed (with every sub-manager and array in it) after its {@code @AfterAll} methods.
 * Register as {@code @RegisterExtension static final TestManager ND = new TestManager();} and use
 * {@code ND.get()}.
 */
public final class TestManager implements BeforeAllCallback, AfterAllCallback {
    private NDManager manager;

    @Override
    public void beforeAll(ExtensionContext context) {
        manager = NDManager.newBaseManager();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (manager != null) {
            manager.close();
            manager = null;
        }
    }

    /** The class's manager; only valid while the class's tests run. */
    public NDManager get() {
        if (manager == null) {
            throw new IllegalStateException("TestManager used outside its test class (register it as a static @RegisterExtension field)");
        }
        return manager;
    }
}
