package org.isaerft.hub;

/**
 * A failure fetching a hub file. Subclasses say what went wrong; every message names the
 * repository, file and revision. Never carries the access token.
 */
public class HubException extends RuntimeException {
    private final HubFile file;

    public HubException(HubFile file, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
    }

    public HubException(HubFile file, String message) {
        this(file, message, null);
    }

    public HubFile file() {
        return file;
    }

    /** HTTP 404: the repository, revision or file does not exist (or is private). */
    public static final class NotFound extends HubException {
        public NotFound(HubFile f, String detail) {
            super(f, "not found: " + f.describe() + (detail == null || detail.isBlank() ? "" : " (" + detail + ")"));
        }
    }

    /** HTTP 401/403: a token is needed, or the one given is invalid or lacks access. */
    public static final class Unauthorized extends HubException {
        public Unauthorized(HubFile f, int code, boolean tokenGiven) {
            super(f, (tokenGiven
                    ? "access denied (HTTP " + code + ") with the token in HF_TOKEN: it is invalid or has no access to "
                    : "access denied (HTTP " + code + "): a token is needed; set HF_TOKEN to fetch ")
                    + f.describe());
        }
    }

    /** Downloaded or mirrored content does not have the expected sha256; the bad data was deleted from the cache. */
    public static final class IntegrityMismatch extends HubException {
        private final String expected;
        private final String found;

        public IntegrityMismatch(HubFile f, String source, String expected, String found) {
            super(f, "sha256 mismatch for " + f.describe() + " (" + source + "): expected " + expected + ", found " + found);
            this.expected = expected;
            this.found = found;
        }

        public String expected() {
            return expected;
        }

        public String found() {
            return found;
        }
    }

    /** The body ended before its announced length (after bounded retries); only a resumable .incomplete remains. */
    public static final class Truncated extends HubException {
        public Truncated(HubFile f, long expectedBytes, long gotBytes, Throwable cause) {
            super(f, "truncated download of " + f.describe() + ": expected " + expectedBytes + " bytes, received "
                    + gotBytes, cause);
        }
    }

    /** HF_HUB_OFFLINE is set (or the network is otherwise off) and the file is neither mirrored nor cached. */
    public static final class Offline extends HubException {
        public Offline(HubFile f, String looked) {
            super(f, "offline (HF_HUB_OFFLINE=1) and not cached or mirrored: " + f.describe() + "; looked in " + looked);
        }
    }

    /** Server errors (5xx, 429), timeouts or protocol problems that persisted through the retries. */
    public static final class Transfer extends HubException {
        public Transfer(HubFile f, String message, Throwable cause) {
            super(f, message + ": " + f.describe(), cause);
        }
    }
}
