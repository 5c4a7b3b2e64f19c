package org.isaerft.testing;

import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.IntFunction;
import java.util.function.Function;
import java.util.function.IntUnaryOperator;
import org.isaerft.model.Tokenizer;

/**
 * A tokenizer for test models: an {@code encoder} (text → ids, no specials), a display string per
 * id ({@code piece}), optional BOS/EOS ids. {@link #decode} concatenates the pieces of all ids except
 * BOS and EOS.
 *
 * @param vocabSize    ids are in [0, vocabSize)
 * @param encoder      text → ids (may throw for text outside the vocabulary)
 * @param piece        the display form of one id
 * @param bosId        BOS id, if any
 * @param eosId        EOS id, if any
 * @param prependsBos  whether models using it expect BOS first
 */
public record TestTokenizer(int vocabSize, Function<String, int[]> encoder, IntFunction<String> piece,
                            OptionalInt bosId, OptionalInt eosId, boolean prependsBos) implements Tokenizer {
    public TestTokenizer {
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabSize must be positive, found " + vocabSize);
        }
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(piece, "piece");
        Objects.requireNonNull(bosId, "bosId");
        Objects.requireNonNull(eosId, "eosId");
    }

    /** A tokenizer with no special tokens. */
    public static TestTokenizer of(int vocabSize, Function<String, int[]> encoder, IntFunction<String> piece) {
        return new TestTokenizer(vocabSize, encoder, piece, OptionalInt.empty(), OptionalInt.empty(), false);
    }

    /** A copy with BOS id {@code bos}. */
    public TestTokenizer withBos(int bos, boolean prepends) {
        return new TestTokenizer(vocabSize, encoder, piece, OptionalInt.of(bos), eosId, prepends);
    }

    /** A copy with EOS id {@code eos}. */
    public TestTokenizer withEos(int eos) {
        return new TestTokenizer(vocabSize, encoder, piece, bosId, OptionalInt.of(eos), prependsBos);
    }

    /** An encoder mapping each UTF-16 char {@code c} to {@code id.applyAsInt(c)}. */
    public static Function<String, int[]> perChar(IntUnaryOperator id) {
        return text -> text.chars().map(id).toArray();
    }

    @Override
    public int[] encode(String text) {
        return encoder.apply(text);
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            boolean special = (bosId.isPresent() && id == bosId.getAsInt()) || (eosId.isPresent() && id == eosId.getAsInt());
            if (!special) {
                sb.append(piece.apply(id));
            }
        }
        return sb.toString();
    }

    @Override
    public String tokenString(int id) {
        return piece.apply(id);
    }
}
