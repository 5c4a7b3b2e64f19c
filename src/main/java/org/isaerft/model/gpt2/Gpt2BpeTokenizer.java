package org.isaerft.model.gpt2;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.util.OptionalInt;
import org.isaerft.model.Tokenizer;

/**
 * GPT-2's byte-level BPE (50257 ids) through jtokkit's {@code r50k_base} encoding, which has the
 * same vocabulary and merges as OpenAI's GPT-2 {@code encoder.json}/{@code vocab.bpe}.
 *
 * <p>The literal text {@code <|endoftext|>} encodes to id 50256, as in Hugging Face's GPT-2
 * tokenizer; all other text is encoded as ordinary text. {@code <|endoftext|>} is both BOS and EOS
 * and is dropped by {@link #decode}. GPT-2 models are run with it prepended (TransformerLens'
 * default {@code prepend_bos=True}).
 */
public final class Gpt2BpeTokenizer implements Tokenizer {
    public static final String END_OF_TEXT = "<|endoftext|>";
    private static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    @Override
    public int vocabSize() {
        return Gpt2Config.GPT2_VOCAB;
    }

    @Override
    public int[] encode(String text) {
        IntArrayList out = new IntArrayList();
        int from = 0;
        while (true) {
            int at = text.indexOf(END_OF_TEXT, from);
            String piece = text.substring(from, at < 0 ? text.length() : at);
            if (!piece.isEmpty()) {
                IntArrayList ids = ENCODING.encodeOrdinary(piece);
                for (int i = 0; i < ids.size(); i++) {
                    out.add(ids.get(i));
                }
            }
            if (at < 0) {
                return out.toArray();
            }
            out.add(Gpt2Config.END_OF_TEXT);
            from = at + END_OF_TEXT.length();
        }
    }

    @Override
    public String decode(int[] ids) {
        IntArrayList list = new IntArrayList(ids.length);
        for (int id : ids) {
            check(id);
            if (id != Gpt2Config.END_OF_TEXT) {
                list.add(id);
            }
        }
        return ENCODING.decode(list);
    }

    @Override
    public String tokenString(int id) {
        check(id);
        if (id == Gpt2Config.END_OF_TEXT) {
            return END_OF_TEXT;
        }
        IntArrayList one = new IntArrayList(1);
        one.add(id);
        return TokenText.render(ENCODING.decodeBytes(one));
    }

    @Override
    public OptionalInt bosId() {
        return OptionalInt.of(Gpt2Config.END_OF_TEXT);
    }

    @Override
    public OptionalInt eosId() {
        return OptionalInt.of(Gpt2Config.END_OF_TEXT);
    }

    @Override
    public boolean prependsBos() {
        return true;
    }

    private static void check(int id) {
        if (id < 0 || id >= Gpt2Config.GPT2_VOCAB) {
            throw new IllegalArgumentException("token id " + id + " is outside the GPT-2 vocabulary [0, " + Gpt2Config.GPT2_VOCAB + ")");
        }
    }
}
