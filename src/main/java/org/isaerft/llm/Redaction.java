package org.isaerft.llm;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes API keys from text and exceptions before they reach a message, a log or a file. A
 * provider's error body may echo the key or the whole {@code Authorization} header; both the known
 * key (literally) and anything key-like (by pattern) become {@code [redacted]}.
 */
final class Redaction {
    static final String MARK = "[redacted]";
    /** Key-like strings (OpenAI: "Incorrect API key provided: sk-ab***yz"; echoed headers, also as JSON or JSON inside a string). */
    private static final Pattern SECRET = Pattern.compile(
            "(?i)\\b(sk|pk|rk|ak)-[A-Za-z0-9_*.-]{6,}"
            + "|(?i)(api[ _-]?key|bearer|x-api-key|authorization)(\\\\?\"?\\s*(?:provided)?\\s*[:=]?\\s*\\\\?\"?\\s*(?:bearer\\s+)?)"
            + "[^\\s,\"'}\\\\]{6,}");
    /** A known key shorter than this is not replaced literally (it would shred ordinary words). */
    private static final int MIN_LITERAL = 8;

    private Redaction() {}

    /** {@code text} with {@code secret} (if given) and anything key-like replaced by {@value #MARK}. */
    static String redact(String text, String secret) {
        if (text == null) {
            return null;
        }
        String t = text;
        if (secret != null && secret.length() >= MIN_LITERAL) {
            t = t.replace(secret, MARK);
        }
        return SECRET.matcher(t).replaceAll(r -> r.group(1) != null ? MARK
                : Matcher.quoteReplacement(r.group(2) + r.group(3) + MARK));
    }

    /**
     * A copy of the exception chain whose messages are redacted; class names and stack traces are
     * kept (in the message and {@link Throwable#getStackTrace()}), so the trace still says where.
     */
    static Throwable scrub(Throwable e, String secret) {
        return scrub(e, secret, 0);
    }

    private static Throwable scrub(Throwable e, String secret, int depth) {
        if (e == null || depth > 16) {
            return null;
        }
        Throwable cause = e.getCause() == e ? null : scrub(e.getCause(), secret, depth + 1);
        Redacted r = new Redacted(e.getClass().getName() + (e.getMessage() == null ? "" : ": " + redact(e.getMessage(), secret)), cause);
        r.setStackTrace(e.getStackTrace());
        return r;
    }

    /** Stands in for a provider exception whose message may have held a key. */
    static final class Redacted extends RuntimeException {
        Redacted(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public String toString() {
            return getMessage(); // already "original.Class: message"
        }
    }
}
