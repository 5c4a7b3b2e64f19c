package org.isaerft.adapter.task;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Splits a text file into documents by one of the {@link TaskCard.Source#FORMATS}. */
public final class TaskCorpus {
    private TaskCorpus() {}

    public static String readText(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).replace("\r\n", "\n");
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("corpus file not found: " + file, e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read corpus file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Documents of {@code text}: paragraphs inside a document are joined with a blank line
     * ("\n\n"), lines inside a paragraph with a space; documents are trimmed and never empty.
     */
    public static List<String> split(String text, String format) {
        String[] lines = text.split("\n", -1);
        List<String> docs = new ArrayList<>();
        switch (format) {
            case "lines" -> {
                for (String l : lines) {
                    if (!l.isBlank()) {
                        docs.add(l.strip());
                    }
                }
            }
            case "paragraphs" -> {
                StringBuilder cur = new StringBuilder();
                for (String l : lines) {
                    if (l.isBlank()) {
                        flush(cur, docs);
                    } else {
                        if (cur.length() > 0) {
                            cur.append(' ');
                        }
                        cur.append(l.strip());
                    }
                }
                flush(cur, docs);
            }
            case "stories" -> {
                // a blank line separates paragraphs of one story; a non-blank line right after a
                // non-blank line begins a new story
                StringBuilder cur = new StringBuilder();
                boolean prevBlank = true;
                for (String l : lines) {
                    if (l.isBlank()) {
                        prevBlank = true;
                        continue;
                    }
                    if (!prevBlank) {
                        flush(cur, docs);
                    } else if (cur.length() > 0) {
                        cur.append("\n\n");
                    }
                    cur.append(l.strip());
                    prevBlank = false;
                }
                flush(cur, docs);
            }
            default -> throw new IllegalArgumentException("unknown corpus format '" + format + "' (expected one of "
                    + TaskCard.Source.FORMATS + ")");
        }
        return docs;
    }

    private static void flush(StringBuilder cur, List<String> docs) {
        String s = cur.toString().strip();
        if (!s.isEmpty()) {
            docs.add(s);
        }
        cur.setLength(0);
    }
}
