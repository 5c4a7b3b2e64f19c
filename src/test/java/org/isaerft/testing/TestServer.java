package org.isaerft.testing;

import java.io.IOException;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh started {@link MockWebServer} per test, closed after it. Register as
 * {@code @RegisterExtension final TestServer server = new TestServer();}; the test's own
 * {@code @BeforeEach} methods run after the server started (a dispatcher may be set there).
 * Provider wire formats for the answers are in {@link Wire}.
 */
public final class TestServer implements BeforeEachCallback, AfterEachCallback {
    private MockWebServer server;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        server = new MockWebServer();
        server.start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** The running server; only valid inside a test. */
    public MockWebServer get() {
        if (server == null) {
            throw new IllegalStateException("TestServer used outside a test (register it as an instance @RegisterExtension field)");
        }
        return server;
    }

    public HttpUrl url(String path) {
        return get().url(path);
    }

    public void enqueue(MockResponse response) {
        get().enqueue(response);
    }

    public void setDispatcher(Dispatcher dispatcher) {
        get().setDispatcher(dispatcher);
    }

    public int getRequestCount() {
        return get().getRequestCount();
    }

    /** The next request received (waits for it). */
    public RecordedRequest takeRequest() {
        try {
            return get().takeRequest();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for a request", e);
        }
    }
}
