package org.isaerft.hub;

import java.util.regex.Pattern;

/**
 * One file of a hub repository at a revision.
 *
 * @param repoType model or dataset
 * @param repoId   {@code org/name} (or a bare name)
 * @param revision a branch, tag, or 40-hex commit hash ({@code main} if null)
 * @param path     the file's path inside the repository, '/'-separated
 * @param sha256   the expected sha256 of the content (lower-case hex), or null if unknown
 */
public record HubFile(RepoType repoType, String repoId, String revision, String path, String sha256) {
    private static final Pattern REPO = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{64}");
    static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    public HubFile {
        if (repoType == null) {
            repoType = RepoType.MODEL;
        }
        if (repoId == null || !REPO.matcher(repoId).matches() || repoId.contains("..")) {
            throw new IllegalArgumentException("invalid hub repo id '" + repoId + "' (expected org/name)");
        }
        if (revision == null || revision.isBlank()) {
            revision = "main";
        }
        if (revision.contains("..") || revision.startsWith("/")) {
            throw new IllegalArgumentException("invalid revision '" + revision + "' for repo " + repoId);
        }
        if (path == null || path.isBlank() || path.startsWith("/") || path.contains("\\")
                || java.util.Arrays.asList(path.split("/")).contains("..")) {
            throw new IllegalArgumentException("invalid file path '" + path + "' in repo " + repoId
                    + " (expected a relative '/'-separated path without '..')");
        }
        if (sha256 != null) {
            sha256 = sha256.toLowerCase(java.util.Locale.ROOT);
            if (!SHA.matcher(sha256).matches()) {
                throw new IllegalArgumentException("invalid sha256 '" + sha256 + "' for " + repoId + "/" + path
                        + " (expected 64 hex digits)");
            }
        }
    }

    public static HubFile model(String repoId, String revision, String path) {
        return new HubFile(RepoType.MODEL, repoId, revision, path, null);
    }

    public HubFile withSha256(String sha) {
        return new HubFile(repoType, repoId, revision, path, sha);
    }

    /** True if the revision is a full commit hash (used as-is, no lookup). */
    public boolean pinnedToCommit() {
        return COMMIT.matcher(revision).matches();
    }

    /** "repo org/name, file a/b.bin, revision main" — the way every error names a file. */
    public String describe() {
        return (repoType == RepoType.DATASET ? "dataset repo " : "repo ") + repoId + ", file " + path + ", revision " + revision;
    }
}
