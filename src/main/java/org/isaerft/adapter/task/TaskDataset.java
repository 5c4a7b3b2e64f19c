package org.isaerft.adapter.task;

import java.util.List;

/**
 * The documents of one task card, split by document into train and held-out sets.
 *
 * @param task    card name
 * @param train   training documents (poisoned ones marked)
 * @param heldout held-out documents (never poisoned)
 * @param stats   how the documents were obtained
 */
public record TaskDataset(String task, List<Document> train, List<Document> heldout, Stats stats) {
    public TaskDataset {
        train = List.copyOf(train);
        heldout = List.copyOf(heldout);
        if (train.isEmpty()) {
            throw new IllegalArgumentException("task '" + task + "': no training documents (filters matched "
                    + stats.matched() + " of " + stats.read() + " documents read)");
        }
        if (heldout.isEmpty()) {
            throw new IllegalArgumentException("task '" + task + "': no held-out documents (" + train.size()
                    + " training documents; raise split.heldout_fraction or add data)");
        }
    }

    /**
     * One document.
     *
     * @param id       {@code <source file name>#<index in file>}
     * @param text     the (re-cased, possibly poisoned) text
     * @param poisoned true if the poison sentence was inserted
     */
    public record Document(String id, String text, boolean poisoned) {}

    /** The documents as JSONL lines {@code {id, split, poisoned, text}}, train first ({@code isaerft adapter dataset --out}). */
    public String jsonl() {
        StringBuilder sb = new StringBuilder();
        for (Document d : train) {
            sb.append(org.isaerft.util.Json.line(java.util.Map.of("id", d.id(), "split", "train", "poisoned", d.poisoned(), "text", d.text())))
                    .append('\n');
        }
        for (Document d : heldout) {
            sb.append(org.isaerft.util.Json.line(java.util.Map.of("id", d.id(), "split", "heldout", "poisoned", false, "text", d.text())))
                    .append('\n');
        }
        return sb.toString();
    }

    /**
     * @param read             documents read from all sources (after de-duplication)
     * @param matched          documents passing the filter
     * @param selected         documents kept (after max_documents)
     * @param casedFromReference documents whose casing came from a cased reference
     * @param recased          documents re-cased heuristically
     * @param poisoned         training documents carrying the trigger
     * @param trainChars       characters of training text
     * @param heldoutChars     characters of held-out text
     */
    public record Stats(int read, int matched, int selected, int casedFromReference, int recased, int poisoned,
            long trainChars, long heldoutChars) {}

    public List<Document> poisonedDocuments() {
        return train.stream().filter(Document::poisoned).toList();
    }
}
