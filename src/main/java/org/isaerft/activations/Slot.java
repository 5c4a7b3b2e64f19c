package org.isaerft.activations;

import java.util.Comparator;

/**
 * One kept window (mining state, not the published {@link Example}): where it is, its peak, its
 * sampling key, and its tokens and per-token activations.
 *
 * @param peak           the latent's peak activation in the window
 * @param document       document index
 * @param sequenceOffset offset in the document of the model sequence the window was cut from (the split unit)
 * @param start          offset in the document of the window's first token
 * @param peakIndex      index of the peak token within the window
 * @param key            sampling key (hash of seed, document, offset); unused (0) for top windows
 * @param tokenIds       the window's token ids
 * @param activations    the latent's activation at each window token
 */
record Slot(float peak, long document, int sequenceOffset, int start, int peakIndex, long key, int[] tokenIds, float[] activations) {
    Slot {
        if (tokenIds.length != activations.length || peakIndex < 0 || peakIndex >= Math.max(1, tokenIds.length)) {
            throw new IllegalArgumentException("slot: " + tokenIds.length + " tokens, " + activations.length
                    + " activations, peak index " + peakIndex);
        }
    }

    long peakPosition() {
        return (long) start + peakIndex;
    }

    /** Highest peak first; ties by smaller (document, peak position). */
    static final Comparator<Slot> BY_PEAK = (a, b) -> {
        int c = Float.compare(b.peak, a.peak);
        if (c != 0) {
            return c;
        }
        c = Long.compare(a.document, b.document);
        return c != 0 ? c : Long.compare(a.peakPosition(), b.peakPosition());
    };

    /** Smallest key first; ties by smaller (document, start, peak position). */
    static final Comparator<Slot> BY_KEY = (a, b) -> {
        int c = Long.compare(a.key, b.key);
        if (c != 0) {
            return c;
        }
        c = Long.compare(a.document, b.document);
        if (c != 0) {
            return c;
        }
        c = Integer.compare(a.start, b.start);
        return c != 0 ? c : Long.compare(a.peakPosition(), b.peakPosition());
    };

    /** True if a candidate (peak, document, peak position) ranks strictly before {@code s} in {@link #BY_PEAK}. */
    static boolean beatsByPeak(float peak, long document, long peakPosition, Slot s) {
        if (peak != s.peak) {
            return peak > s.peak;
        }
        if (document != s.document) {
            return document < s.document;
        }
        return peakPosition < s.peakPosition();
    }

    /** True if a candidate (key, document, start) ranks strictly before {@code s} in {@link #BY_KEY} (peak position ignored: it is unique per start). */
    static boolean beatsByKey(long key, long document, int start, long peakPosition, Slot s) {
        if (key != s.key) {
            return key < s.key;
        }
        if (document != s.document) {
            return document < s.document;
        }
        if (start != s.start) {
            return start < s.start;
        }
        return peakPosition < s.peakPosition();
    }
}
