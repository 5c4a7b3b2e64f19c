package org.isaerft.activations;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Iterators that turn documents into the miner's {@link TokenSequence}s. Each document is cut on its
 * own into sequences of at most {@code seqLen} tokens (never packed across documents, so every
 * example window is text of one document and its (document, offset) is exact); a token budget
 * truncates the stream; a shard keeps every {@code count}-th sequence. The budget applies before
 * sharding, so the shards {@code 0/n .. n-1/n} of a budget partition exactly the unsharded stream.
 */
public final class Sequences {
    private Sequences() {}

    /** Cuts every document into consecutive sequences of at most seqLen tokens (empty documents skipped). */
    public static <D> Iterator<TokenSequence> chunk(Iterator<D> docs, ToLongFunction<D> index, Function<D, int[]> tokens, int seqLen) {
        return chunk(docs, index, tokens, seqLen, OptionalInt.empty());
    }

    /**
     * Like {@link #chunk(Iterator, ToLongFunction, Function, int)}, for a model that expects {@code bos}
     * at the start of every sequence: a leading BOS of the document is dropped, the text is cut into
     * pieces of {@code seqLen - 1} tokens, and each sequence is BOS + piece with the BOS as a
     * context-only prefix (not mined). Offsets then count the document's tokens without its BOS.
     */
    public static <D> Iterator<TokenSequence> chunk(Iterator<D> docs, ToLongFunction<D> index, Function<D, int[]> tokens, int seqLen,
            OptionalInt bos) {
        if (seqLen < (bos.isPresent() ? 2 : 1)) {
            throw new IllegalArgumentException("sequence length must be >= " + (bos.isPresent() ? "2 (BOS + one token)" : "1")
                    + ", found " + seqLen);
        }
        final int piece = bos.isPresent() ? seqLen - 1 : seqLen;
        return new Iterator<>() {
            private long doc;
            private int[] ids = new int[0];
            private int pos;

            @Override
            public boolean hasNext() {
                while (pos >= ids.length) {
                    if (!docs.hasNext()) {
                        return false;
                    }
                    D d = docs.next();
                    doc = index.applyAsLong(d);
                    ids = tokens.apply(d);
                    if (bos.isPresent() && ids.length > 0 && ids[0] == bos.getAsInt()) {
                        ids = Arrays.copyOfRange(ids, 1, ids.length);
                    }
                    pos = 0;
                }
                return true;
            }

            @Override
            public TokenSequence next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int end = Math.min(ids.length, pos + piece);
                TokenSequence s;
                if (bos.isPresent()) {
                    int[] t = new int[end - pos + 1];
                    t[0] = bos.getAsInt();
                    System.arraycopy(ids, pos, t, 1, end - pos);
                    s = new TokenSequence(doc, pos, t, 1);
                } else {
                    s = new TokenSequence(doc, pos, Arrays.copyOfRange(ids, pos, end));
                }
                pos = end;
                return s;
            }
        };
    }

    /** The first {@code maxTokens} mined tokens of the stream (the last sequence truncated to fit; prefixes not counted). */
    public static Iterator<TokenSequence> limitTokens(Iterator<TokenSequence> in, long maxTokens) {
        return limit(in, maxTokens, true);
    }

    /**
     * Whole sequences until at least {@code maxTokens} mined tokens were taken: the last sequence is kept
     * whole, so the total may pass the budget by less than one sequence (the pipeline's mine stage rule;
     * {@link #limitTokens} cuts the last sequence instead).
     */
    public static Iterator<TokenSequence> limitWholeSequences(Iterator<TokenSequence> in, long maxTokens) {
        return limit(in, maxTokens, false);
    }

    private static Iterator<TokenSequence> limit(Iterator<TokenSequence> in, long maxTokens, boolean cutLast) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("token budget must be >= 1, found " + maxTokens);
        }
        return new Iterator<>() {
            private long used;

            @Override
            public boolean hasNext() {
                return used < maxTokens && in.hasNext();
            }

            @Override
            public TokenSequence next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                TokenSequence s = in.next();
                long left = maxTokens - used;
                if (cutLast && s.minedLength() > left) {
                    s = new TokenSequence(s.document(), s.offset(), Arrays.copyOf(s.tokens(), s.prefix() + (int) left), s.prefix());
                }
                used += s.minedLength();
                return s;
            }
        };
    }

    /** Sequences number i, i+count, i+2·count, … (0-based) of the stream. */
    public static Iterator<TokenSequence> shard(Iterator<TokenSequence> in, int i, int count) {
        if (count < 1 || i < 0 || i >= count) {
            throw new IllegalArgumentException("shard must be I/N with 0 <= I < N, found " + i + "/" + count);
        }
        return new Iterator<>() {
            private long seen;
            private TokenSequence pending;

            @Override
            public boolean hasNext() {
                while (pending == null && in.hasNext()) {
                    TokenSequence s = in.next();
                    if (seen++ % count == i) {
                        pending = s;
                    }
                }
                return pending != null;
            }

            @Override
            public TokenSequence next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                TokenSequence s = pending;
                pending = null;
                return s;
            }
        };
    }
}
