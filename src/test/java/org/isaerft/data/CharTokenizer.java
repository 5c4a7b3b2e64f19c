package org.isaerft.data;

import java.util.OptionalInt;
import org.isaerft.model.Tokenizer;

/** Test tokenizer: one id per char (code point + 2), BOS = 1, EOS = 0. */
final class CharTokenizer implements Tokenizer {
    private final boolean bos;

    CharTokenizer(boolean prependsBos) {
        this.bos = prependsBos;
    }

    @Override
    public int vocabSize() {
        return 300;
    }

    @Override
    public int[] encode(String text) {
        return text.chars().map(c -> Math.min(c, 297) + 2).toArray();
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            if (id >= 2) {
                sb.append((char) (id - 2));
            }
        }
        return sb.toString();
    }

    @Override
    public String tokenString(int id) {
        return id < 2 ? "<s" + id + ">" : String.valueOf((char) (id - 2));
    }

    @Override
    public OptionalInt bosId() {
        return OptionalInt.of(1);
    }

    @Override
    public OptionalInt eosId() {
        return OptionalInt.of(0);
    }

    @Override
    public boolean prependsBos() {
        return bos;
    }
}
