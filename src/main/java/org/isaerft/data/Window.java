package org.isaerft.data;

/**
 * A fixed-length window of packed tokens.
 *
 * @param tokens   the window's token ids (length = the packer's sequence length)
 * @param document corpus index of the document that the window's first token belongs to
 * @param offset   position of that first token within its document's token ids (BOS counts as 0)
 */
public record Window(int[] tokens, long document, int offset) {
    public Window {
        if (tokens == null || tokens.length == 0) {
            throw new IllegalArgumentException("a window needs at least one token");
        }
        if (document < 0 || offset < 0) {
            throw new IllegalArgumentException("window source must be non-negative, found document " + document + " offset " + offset);
        }
    }
}
