package org.isaerft.activations;

/**
 * One model input sequence cut from a corpus document: what the miner streams. The first
 * {@code prefix} tokens (e.g. a BOS the model expects at the start of every sequence) are model
 * input only: they are not mined, never appear in example windows and do not count as tokens.
 *
 * @param document index of the document in the corpus
 * @param offset   offset in the document (in tokens) of {@code tokens[prefix]}
 * @param tokens   token ids fed to the model
 * @param prefix   leading context-only tokens (0 or 1 in practice)
 */
public record TokenSequence(long document, int offset, int[] tokens, int prefix) {
    public TokenSequence {
        if (document < 0 || offset < 0) {
            throw new IllegalArgumentException("token sequence: document and offset must be >= 0, found " + document + ", " + offset);
        }
        if (tokens == null || tokens.length == 0) {
            throw new IllegalArgumentException("token sequence of document " + document + " at offset " + offset + " is empty");
        }
        if (prefix < 0 || prefix >= tokens.length) {
            throw new IllegalArgumentException("token sequence of document " + document + " at offset " + offset + ": prefix " + prefix
                    + " must leave at least one of its " + tokens.length + " tokens to mine");
        }
    }

    /** A sequence whose every token is mined. */
    public TokenSequence(long document, int offset, int[] tokens) {
        this(document, offset, tokens, 0);
    }

    /** Tokens fed to the model (prefix included). */
    public int length() {
        return tokens.length;
    }

    /** Tokens mined (prefix excluded). */
    public int minedLength() {
        return tokens.length - prefix;
    }
}
