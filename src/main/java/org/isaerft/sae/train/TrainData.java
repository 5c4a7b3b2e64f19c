package org.isaerft.sae.train;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Supplier;
import org.isaerft.data.Batch;
import org.isaerft.data.Shuffle;
import org.isaerft.data.Window;

/**
 * An endless, deterministic stream of training windows: each epoch concatenates the windows of
 * every source (in order) and passes them through a seeded {@link Shuffle} whose seed depends on
 * {@code (seed, epoch)}. The stream's position is the number of windows consumed, so a resumed
 * run re-creates it and {@link #skip skips} to where the checkpoint left off — this position is
 * the only random state of data loading.
 */
public final class TrainData {
    private final List<Supplier<Iterator<Window>>> sources;
    private final int shuffleBuffer;
    private final long seed;
    private Iterator<Window> epoch;
    private int epochIndex = -1;
    private long consumed;

    /** {@code sources}: each call returns a fresh iterator over one corpus' windows. */
    public TrainData(List<Supplier<Iterator<Window>>> sources, int shuffleBuffer, long seed) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("training needs at least one corpus");
        }
        this.sources = List.copyOf(sources);
        this.shuffleBuffer = shuffleBuffer;
        this.seed = seed;
    }

    /** Windows consumed so far (over all epochs). */
    public long consumed() {
        return consumed;
    }

    /** Completed passes over the data, counting the current one. */
    public int epochs() {
        return epochIndex + 1;
    }

    private Window nextWindow() {
        for (int attempt = 0; attempt < 2; attempt++) {
            if (epoch != null && epoch.hasNext()) {
                consumed++;
                return epoch.next();
            }
            epochIndex++;
            Iterator<Window> all = concat();
            long s = seed * 0x9E3779B97F4A7C15L + epochIndex;
            epoch = shuffleBuffer > 0 ? new Shuffle<>(all, shuffleBuffer, s) : all;
        }
        throw new IllegalStateException("the training corpora gave no complete window");
    }

    private Iterator<Window> concat() {
        List<Supplier<Iterator<Window>>> list = sources;
        return new Iterator<>() {
            int i;
            Iterator<Window> cur;

            @Override
            public boolean hasNext() {
                while ((cur == null || !cur.hasNext()) && i < list.size()) {
                    cur = list.get(i++).get();
                }
                return cur != null && cur.hasNext();
            }

            @Override
            public Window next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return cur.next();
            }
        };
    }

    /** Skips {@code n} windows (resume). */
    public void skip(long n) {
        for (long i = 0; i < n; i++) {
            nextWindow();
        }
    }

    /** The next {@code size} windows. */
    public Batch next(int size) {
        List<Window> rows = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            rows.add(nextWindow());
        }
        return new Batch(rows);
    }
}
