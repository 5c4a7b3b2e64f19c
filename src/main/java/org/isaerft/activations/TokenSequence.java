package org.isaerft.activations;

/**
 * One model input sequence cut from a corpus document: what the miner streams.
 *
 * @param document index of the document in the corpus
 * @param offset   offset in the document (in tokens) of {@code tokens[0]}
 * @param tokens   token ids (BOS included if the model expects it)
 */
public record TokenSequence(long document, int offset, int[] tokens) {
    public TokenSequence {
        if (document < 0 || offset < 0) {
            throw new IllegalArgumentException("token sequence: document and offset must be >= 0, found " + document + ", " + offset);
        }
        if (tokens == null || tokens.length == 0) {
            throw new IllegalArgumentException("token sequence of document " + document + " at offset " + offset + " is empty");
        }
    }

    public int length() {
        return tokens.length;
    }
}
