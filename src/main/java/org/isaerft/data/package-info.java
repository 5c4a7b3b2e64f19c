/**
 * Corpus input for every stage that feeds text to a model: {@link org.isaerft.data.CorpusReader}
 * (plain text split on blank lines, JSONL text, pre-tokenised JSONL id arrays), tokenisation with the
 * model's BOS rule, packing into fixed windows that remember their (document, offset)
 * ({@link org.isaerft.data.WindowPacker}), seeded streaming shuffle ({@link org.isaerft.data.Shuffle}),
 * a held-out split by document ({@link org.isaerft.data.DocumentSplit}), and batches
 * ({@link org.isaerft.data.Corpus}). Everything streams with bounded memory.
 */
package org.isaerft.data;
