package org.isaerft.model.gpt2;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Display forms of byte-level tokens, shared by the GPT-2 tokenizers. */
final class TokenText {
    private static final int[] UNICODE_TO_BYTE = buildByteDecoder();

    private TokenText() {}

    /** The bytes as UTF-8 text if they are valid on their own, else each byte as {@code <0xNN>}. */
    static String render(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            StringBuilder sb = new StringBuilder();
            for (byte b : bytes) {
                sb.append(String.format("<0x%02X>", b & 0xff));
            }
            return sb.toString();
        }
    }

    /**
     * Inverts GPT-2's byte-level alphabet ({@code bytes_to_unicode} in OpenAI's encoder.py, also
     * the HF ByteLevel pre-tokenizer): each character of a vocabulary entry stands for one byte.
     * Returns null if {@code token} uses a character outside that alphabet.
     */
    static byte[] byteLevelToBytes(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c >= UNICODE_TO_BYTE.length || UNICODE_TO_BYTE[c] < 0) {
                return null;
            }
            out[i] = (byte) UNICODE_TO_BYTE[c];
        }
        return out;
    }

    private static int[] buildByteDecoder() {
        int[] table = new int[512];
        java.util.Arrays.fill(table, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            if (printable) {
                table[b] = b;
            } else {
                table[256 + n] = b;
                n++;
            }
        }
        return table;
    }
}
