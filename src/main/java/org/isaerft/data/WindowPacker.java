package org.isaerft.data;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Packs a stream of tokenised documents into fixed-length windows: documents are concatenated in
 * order (each already carrying its BOS when the model prepends one) and cut every {@code seqLen}
 * tokens, like llama2.c's and SAELens' packing. Each window records the document and in-document
 * offset of its first token. The trailing partial window is dropped. Memory: one window plus the
 * current document.
 */
public final class WindowPacker implements Iterator<Window> {
    private final Iterator<TokenizedDocument> docs;
    private final int seqLen;
    private TokenizedDocument doc;
    private int pos;
    private Window pending;

    public WindowPacker(Iterator<TokenizedDocument> docs, int seqLen) {
        if (seqLen <= 0) {
            throw new IllegalArgumentException("sequence length must be positive, found " + seqLen);
        }
        this.docs = docs;
        this.seqLen = seqLen;
    }

    @Override
    public boolean hasNext() {
        if (pending == null) {
            pending = fill();
        }
        return pending != null;
    }

    @Override
    public Window next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Window w = pending;
        pending = null;
        return w;
    }

    private Window fill() {
        int[] buf = new int[seqLen];
        int n = 0;
        long firstDoc = -1;
        int firstOffset = 0;
        while (n < seqLen) {
            if (doc == null || pos >= doc.tokens().length) {
                if (!docs.hasNext()) {
                    return null;
                }
                doc = docs.next();
                pos = 0;
                continue;
            }
            if (firstDoc < 0) {
                firstDoc = doc.index();
                firstOffset = pos;
            }
            int take = Math.min(seqLen - n, doc.tokens().length - pos);
            System.arraycopy(doc.tokens(), pos, buf, n, take);
            n += take;
            pos += take;
        }
        return new Window(buf, firstDoc, firstOffset);
    }
}
