package org.isaerft.data;

/** A document's token ids (BOS included when the model prepends one), with its corpus index and source. */
public record TokenizedDocument(long index, String source, int[] tokens) {
    public TokenizedDocument {
        if (tokens == null) {
            throw new IllegalArgumentException("document " + source + ": tokens are required");
        }
    }
}
