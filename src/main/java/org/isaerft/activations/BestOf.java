package org.isaerft.activations;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Keeps the best {@code capacity} slots under a total order: a binary heap with the worst kept slot
 * at the root, so a candidate is checked against the root in O(1) and inserted in O(log k). Because
 * the order is total (ties broken by document and offset), the kept set is a function of the
 * multiset of offered slots only — offering shard A then B, B then A, or merging two BestOfs gives
 * the same result.
 */
final class BestOf {
    private final int capacity;
    private final Comparator<Slot> order;
    private Slot[] heap;
    private int size;

    BestOf(int capacity, Comparator<Slot> order) {
        this.capacity = capacity;
        this.order = order;
        this.heap = new Slot[Math.min(capacity, 4)];
    }

    int size() {
        return size;
    }

    int capacity() {
        return capacity;
    }

    boolean full() {
        return size >= capacity;
    }

    /** The worst kept slot (null when empty). */
    Slot worst() {
        return size == 0 ? null : heap[0];
    }

    /** Offers a slot; returns true if it was kept. */
    boolean offer(Slot s) {
        if (capacity == 0) {
            return false;
        }
        if (size < capacity) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, Math.min(capacity, heap.length * 2));
            }
            heap[size] = s;
            siftUp(size++);
            return true;
        }
        if (order.compare(s, heap[0]) >= 0) {
            return false;
        }
        heap[0] = s;
        siftDown(0);
        return true;
    }

    void addAll(BestOf other) {
        for (int i = 0; i < other.size; i++) {
            offer(other.heap[i]);
        }
    }

    /** Kept slots, best first. */
    List<Slot> sorted() {
        List<Slot> out = new ArrayList<>(Arrays.asList(heap).subList(0, size));
        out.sort(order);
        return out;
    }

    // "worse" = later in order; the root is the worst.
    private boolean worse(int i, int j) {
        return order.compare(heap[i], heap[j]) > 0;
    }

    private void siftUp(int i) {
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (!worse(i, p)) {
                return;
            }
            swap(i, p);
            i = p;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                return;
            }
            int w = l;
            if (l + 1 < size && worse(l + 1, l)) {
                w = l + 1;
            }
            if (!worse(w, i)) {
                return;
            }
            swap(i, w);
            i = w;
        }
    }

    private void swap(int i, int j) {
        Slot t = heap[i];
        heap[i] = heap[j];
        heap[j] = t;
    }
}
