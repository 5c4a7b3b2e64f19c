package org.isaerft.model;

import java.util.OptionalInt;

/** A model's tokenizer. Ids are ints in [0, vocabSize). */
public interface Tokenizer {
    int vocabSize();

    /** Encodes text with no special tokens added (a model-specific leading space, if any, is the tokenizer's business). */
    int[] encode(String text);

    /** Encodes text, prepending BOS when {@code addBos} and the tokenizer has one. */
    default int[] encode(String text, boolean addBos) {
        int[] ids = encode(text);
        if (!addBos || bosId().isEmpty()) {
            return ids;
        }
        int[] out = new int[ids.length + 1];
        out[0] = bosId().getAsInt();
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    /** Text of a sequence of ids (special tokens dropped). */
    String decode(int[] ids);

    /** Throws if {@code id} is not in [0, vocabSize()) (message: "token id N is outside the vocabulary [0, V)"). */
    default void requireId(int id) {
        if (id < 0 || id >= vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + vocabSize() + ")");
        }
    }

    /** The display form of one token, as it appears in text (e.g. " time", "\n"; bytes shown as {@code <0x0A>} if not valid alone). */
    String tokenString(int id);

    OptionalInt bosId();

    OptionalInt eosId();

    /** Whether a model of this family expects BOS at the start of every sequence. */
    boolean prependsBos();
}
