package org.isaerft.llm;

/**
 * Spaces request starts at least {@code 60 s / requestsPerMinute} apart across all threads
 * (a smooth limiter: no bursts). {@code requestsPerMinute = 0} means no limit.
 */
public final class RateLimiter {
    private final long intervalNanos;
    private long nextFreeNanos;

    public RateLimiter(int requestsPerMinute) {
        if (requestsPerMinute < 0) {
            throw new IllegalArgumentException("requests_per_minute must be >= 0, found " + requestsPerMinute);
        }
        this.intervalNanos = requestsPerMinute == 0 ? 0 : 60_000_000_000L / requestsPerMinute;
        this.nextFreeNanos = System.nanoTime();
    }

    /** Blocks until this caller may start a request. */
    public void acquire() throws InterruptedException {
        if (intervalNanos == 0) {
            return;
        }
        long slot;
        synchronized (this) {
            long now = System.nanoTime();
            slot = Math.max(now, nextFreeNanos);
            nextFreeNanos = slot + intervalNanos;
        }
        long wait = slot - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }
}
