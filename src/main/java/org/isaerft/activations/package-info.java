/**
 * Mined latents: the record contracts ({@link org.isaerft.activations.LatentRecord},
 * {@link org.isaerft.activations.Example}, {@link org.isaerft.activations.LatentStats},
 * {@link org.isaerft.activations.LogitLens}) and the miner that produces them.
 *
 * <p>Pipeline: {@link org.isaerft.activations.Sequences} cuts documents into
 * {@link org.isaerft.activations.TokenSequence}s → {@link org.isaerft.activations.Miner} runs model
 * + SAE per batch (stopping at the SAE's hook) and feeds
 * {@link org.isaerft.activations.LatentAccumulator}s (bounded memory, exactly mergeable) →
 * {@link org.isaerft.activations.MiningOutput} writes one record per latent, {@code index.json} and
 * the state that {@code mine --merge} combines.
 */
package org.isaerft.activations;
