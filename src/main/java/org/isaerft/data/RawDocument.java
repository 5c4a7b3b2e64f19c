package org.isaerft.data;

/**
 * One document as read from a corpus file, before tokenisation: either text, or token ids from a
 * pre-tokenised file (exactly one of the two is non-null).
 *
 * @param index  running index of the document over the whole corpus (0-based, in reading order)
 * @param source where it came from: {@code file:line} of its first line
 */
public record RawDocument(long index, String source, String text, int[] tokens) {
    public RawDocument {
        if ((text == null) == (tokens == null)) {
            throw new IllegalArgumentException("document " + source + ": exactly one of text and tokens must be given");
        }
        if (index < 0) {
            throw new IllegalArgumentException("document index must be >= 0, found " + index);
        }
    }

    public boolean pretokenized() {
        return tokens != null;
    }
}
