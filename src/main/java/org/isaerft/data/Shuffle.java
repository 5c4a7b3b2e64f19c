package org.isaerft.data;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * Deterministic streaming shuffle: a buffer of {@code bufferSize} items; each step returns a
 * uniformly chosen buffered item and refills its slot from the source. Same seed and source →
 * same order. With a buffer at least as large as the source it is a full uniform shuffle.
 */
public final class Shuffle<T> implements Iterator<T> {
    private final Iterator<T> source;
    private final int bufferSize;
    private final SplittableRandom rng;
    private final ArrayList<T> buffer;

    public Shuffle(Iterator<T> source, int bufferSize, long seed) {
        if (bufferSize <= 0) {
            throw new IllegalArgumentException("shuffle buffer must be positive, found " + bufferSize);
        }
        this.source = source;
        this.bufferSize = bufferSize;
        this.rng = new SplittableRandom(seed);
        this.buffer = new ArrayList<>(Math.min(bufferSize, 1 << 16));
    }

    @Override
    public boolean hasNext() {
        while (buffer.size() < bufferSize && source.hasNext()) {
            buffer.add(source.next());
        }
        return !buffer.isEmpty();
    }

    @Override
    public T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        int j = rng.nextInt(buffer.size());
        T out = buffer.get(j);
        T last = buffer.remove(buffer.size() - 1);
        if (j < buffer.size()) {
            buffer.set(j, last);
        }
        return out;
    }
}
