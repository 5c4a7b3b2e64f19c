package org.isaerft.adapter;

import java.util.ArrayList;
import java.util.List;
import org.isaerft.model.Tokenizer;

/**
 * Documents tokenised (BOS first when the model expects it), concatenated into one stream and
 * cut into non-overlapping windows of {@code seq} tokens; the tail shorter than a window is
 * dropped. Deterministic for the same documents.
 */
public final class TokenWindows {
    private final int seq;
    private final List<int[]> windows;
    private final long tokens;

    private TokenWindows(int seq, List<int[]> windows, long tokens) {
        this.seq = seq;
        this.windows = windows;
        this.tokens = tokens;
    }

    public static TokenWindows of(List<String> docs, Tokenizer tok, int seq) {
        if (seq < 2) {
            throw new IllegalArgumentException("sequence length must be at least 2, found " + seq);
        }
        List<int[]> out = new ArrayList<>();
        int[] cur = new int[seq];
        int fill = 0;
        long total = 0;
        for (String d : docs) {
            int[] ids = tok.encode(d, tok.prependsBos());
            total += ids.length;
            for (int id : ids) {
                cur[fill++] = id;
                if (fill == seq) {
                    out.add(cur);
                    cur = new int[seq];
                    fill = 0;
                }
            }
        }
        return new TokenWindows(seq, List.copyOf(out), total);
    }

    public int seq() {
        return seq;
    }

    public int size() {
        return windows.size();
    }

    public int[] get(int i) {
        return windows.get(i);
    }

    /** Tokens in the documents (including those in the dropped tail). */
    public long tokens() {
        return tokens;
    }

    /** The first {@code n} windows (all if fewer). */
    public TokenWindows firstWindows(int n) {
        return new TokenWindows(seq, windows.subList(0, Math.min(n, windows.size())), tokens);
    }

    /** Windows {@code idx} flattened row-major into [idx.length × seq]. */
    public int[] batch(int[] idx) {
        int[] flat = new int[idx.length * seq];
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(windows.get(idx[i]), 0, flat, i * seq, seq);
        }
        return flat;
    }
}
