package org.isaerft.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Stream;

/**
 * Streams documents from corpus files, one line in memory at a time (plus the current document).
 *
 * <ul>
 *   <li>Plain text (any extension but {@code .jsonl}/{@code .ndjson}): documents are separated by one
 *   or more blank (whitespace-only) lines; a document's lines are joined with {@code "\n"}. In the
 *   TinyStories sample, paragraphs inside a story are also separated by blank lines, so each
 *   paragraph becomes a document there.</li>
 *   <li>JSONL ({@code .jsonl}, {@code .ndjson}): one document per non-empty line, either an object
 *   with a string field {@code text} (name configurable), or pre-tokenised: a JSON array of token
 *   ids, or an object with an int array {@code tokens} or {@code input_ids}. Pre-tokenised ids are
 *   used verbatim (no BOS is added: include it if the model expects one).</li>
 *   <li>A directory: its regular {@code .txt}, {@code .jsonl} and {@code .ndjson} files, sorted by name
 *   (not recursive).</li>
 * </ul>
 * Document indices run over the whole corpus in this order. Files must be UTF-8: anything else is an
 * error naming the file, the byte offset and how to convert it. A corpus without a single document
 * is an error ("corpus X has no documents"), not an empty stream.
 */
public final class CorpusReader implements Iterator<RawDocument>, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path source;
    private final Deque<Path> files;
    private final String textField;
    private BufferedReader reader;
    private Path current;
    private long lineNo;
    private long nextIndex;
    private RawDocument pending;

    private CorpusReader(Path source, List<Path> files, String textField) {
        this.source = source;
        this.files = new ArrayDeque<>(files);
        this.textField = textField;
    }

    public static CorpusReader open(Path path) {
        return open(path, "text");
    }

    public static CorpusReader open(Path path, String textField) {
        return new CorpusReader(path, files(path), textField);
    }

    /** The files a corpus path stands for, in reading order. */
    public static List<Path> files(Path path) {
        if (Files.isRegularFile(path)) {
            return List.of(path);
        }
        if (!Files.isDirectory(path)) {
            throw new IllegalArgumentException("corpus not found: " + path);
        }
        try (Stream<Path> s = Files.list(path)) {
            List<Path> out = s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".txt") || isJsonl(p);
            }).sorted().toList();
            if (out.isEmpty()) {
                throw new IllegalArgumentException("corpus directory " + path + " has no .txt or .jsonl files");
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list corpus directory " + path, e);
        }
    }

    static boolean isJsonl(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(".jsonl") || n.endsWith(".ndjson");
    }

    @Override
    public boolean hasNext() {
        if (pending == null) {
            pending = advance();
        }
        return pending != null;
    }

    @Override
    public RawDocument next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        RawDocument d = pending;
        pending = null;
        return d;
    }

    private RawDocument advance() {
        try {
            while (true) {
                if (reader == null) {
                    if (files.isEmpty()) {
                        if (nextIndex == 0 && source != null) {
                            throw new IllegalArgumentException("corpus " + source + " has no documents: "
                                    + (Files.isDirectory(source) ? "its .txt/.jsonl files are empty or hold"
                                    : "the file is empty or holds") + " only blank lines");
                        }
                        return null;
                    }
                    current = files.poll();
                    reader = Files.newBufferedReader(current, StandardCharsets.UTF_8);
                    lineNo = 0;
                }
                RawDocument d = isJsonl(current) ? nextJson() : nextText();
                if (d != null) {
                    return d;
                }
                reader.close();
                reader = null;
            }
        } catch (CharacterCodingException e) {
            throw notUtf8(current, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read corpus file " + current + ": " + e.getMessage(), e);
        }
    }

    /** The error for a file that is not UTF-8: where (byte offset, line, the byte) and how to convert it. */
    static IllegalArgumentException notUtf8(Path file, CharacterCodingException cause) {
        String where;
        try {
            long[] bad = firstInvalidUtf8(file);
            where = bad == null ? "" : String.format(" at byte offset %d (line %d): byte 0x%02x is not valid UTF-8;", bad[0], bad[1], bad[2]);
        } catch (IOException e) {
            where = "";
        }
        return new IllegalArgumentException("corpus file " + file + " is not UTF-8 encoded:" + where
                + " corpus files must be UTF-8. Convert it with iconv, naming its real encoding after -f, e.g. from Latin-1: "
                + "iconv -f latin1 -t utf-8 '" + file + "' > '" + file + ".utf8' (file -i guesses the encoding)", cause);
    }

    /**
     * The first place {@code file} is not valid UTF-8, as {@code {byte offset, line (1-based), byte value}},
     * or null if it all decodes. Reads 64 KiB at a time.
     */
    static long[] firstInvalidUtf8(Path file) throws IOException {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.allocate(1 << 16);
        CharBuffer out = CharBuffer.allocate(1 << 16);
        long base = 0; // file offset of in[0]
        long line = 1;
        boolean eof = false;
        try (SeekableByteChannel ch = Files.newByteChannel(file)) {
            while (true) {
                if (!eof && ch.read(in) < 0) {
                    eof = true;
                }
                in.flip();
                int from = in.position();
                CoderResult r = dec.decode(in, out, eof);
                for (int i = from; i < in.position(); i++) {
                    if (in.get(i) == '\n') {
                        line++;
                    }
                }
                if (r.isError()) {
                    return new long[] {base + in.position(), line, in.get(in.position()) & 0xff};
                }
                out.clear();
                if (eof && !in.hasRemaining()) {
                    return null;
                }
                base += in.position();
                in.compact();
            }
        }
    }

    private RawDocument nextText() throws IOException {
        StringBuilder sb = null;
        long start = 0;
        String line;
        while ((line = reader.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                if (sb != null) {
                    break;
                }
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(line);
                start = lineNo;
            } else {
                sb.append('\n').append(line);
            }
        }
        return sb == null ? null : new RawDocument(nextIndex++, current + ":" + start, sb.toString(), null);
    }

    private RawDocument nextJson() throws IOException {
        String line;
        while ((line = reader.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String where = current + ":" + lineNo;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                throw new IllegalArgumentException(where + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
            }
            if (n.isArray()) {
                return new RawDocument(nextIndex++, where, null, ints(n, where));
            }
            if (n.isObject()) {
                JsonNode t = n.get(textField);
                if (t != null && t.isTextual()) {
                    return new RawDocument(nextIndex++, where, t.asText(), null);
                }
                for (String f : List.of("tokens", "input_ids")) {
                    if (n.has(f) && n.get(f).isArray()) {
                        return new RawDocument(nextIndex++, where, null, ints(n.get(f), where + " field '" + f + "'"));
                    }
                }
                throw new IllegalArgumentException(where + ": object has no string field '" + textField
                        + "' and no int array 'tokens' or 'input_ids'");
            }
            throw new IllegalArgumentException(where + ": expected a JSON object or an array of token ids, found " + n.getNodeType());
        }
        return null;
    }

    private static int[] ints(JsonNode arr, String where) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = arr.get(i);
            if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0) {
                throw new IllegalArgumentException(where + ": token " + i + " is " + v + ", expected a non-negative integer id");
            }
            out[i] = v.asInt();
        }
        return out;
    }

    @Override
    public void close() {
        if (reader != null) {
            try {
                reader.close();
            } catch (IOException ignored) {
                // read-only stream
            }
            reader = null;
        }
        files.clear();
    }
}
