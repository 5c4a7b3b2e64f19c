package org.isaerft.model.gpt2;

import java.util.OptionalInt;
import org.isaerft.model.Tokenizer;

/**
 * The tokenizer of a model directory that ships none (e.g. the synthetic gpt2-tiny fixture):
 * its text form IS the token ids, written in decimal and separated by single spaces
 * ({@code "977 3 481"}). {@link #encode} parses such text (any whitespace or commas separate ids),
 * {@link #decode} writes it (dropping BOS/EOS like every {@link Tokenizer}), and
 * {@link #tokenString} is the id's decimal form. Nothing here pretends to be natural language.
 */
public final class IdTokenizer implements Tokenizer {
    private final int vocabSize;
    private final OptionalInt bos;
    private final OptionalInt eos;
    private final boolean prependsBos;

    /** BOS/EOS ids outside [0, vocabSize) are treated as absent. */
    public IdTokenizer(int vocabSize, int bosId, int eosId, boolean prependsBos) {
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocab size must be positive, found " + vocabSize);
        }
        this.vocabSize = vocabSize;
        this.bos = bosId >= 0 && bosId < vocabSize ? OptionalInt.of(bosId) : OptionalInt.empty();
        this.eos = eosId >= 0 && eosId < vocabSize ? OptionalInt.of(eosId) : OptionalInt.empty();
        this.prependsBos = prependsBos && bos.isPresent();
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int[] encode(String text) {
        String t = text.strip();
        if (t.isEmpty()) {
            return new int[0];
        }
        String[] parts = t.split("[\\s,]+");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("this model has no tokenizer (no tokenizer.json and not the GPT-2 vocabulary): "
                        + "its text form is space-separated token ids, found '" + parts[i] + "' in '" + abbreviate(text) + "'");
            }
            requireId(ids[i]);
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            requireId(id);
            if ((bos.isPresent() && id == bos.getAsInt()) || (eos.isPresent() && id == eos.getAsInt())) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(id);
        }
        return sb.toString();
    }

    @Override
    public String tokenString(int id) {
        requireId(id);
        return Integer.toString(id);
    }

    @Override
    public OptionalInt bosId() {
        return bos;
    }

    @Override
    public OptionalInt eosId() {
        return eos;
    }

    @Override
    public boolean prependsBos() {
        return prependsBos;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    @Override
    public String toString() {
        return "IdTokenizer[vocab=" + vocabSize + ", bos=" + bos + ", eos=" + eos + "]";
    }
}
