/**
 * The Llama family: llama2.c checkpoints ({@link org.isaerft.model.llama.Llama2cCheckpoint},
 * {@link org.isaerft.model.llama.Llama2cTokenizer}) and Hugging Face Llama directories
 * ({@link org.isaerft.model.llama.LlamaLoader}, tokenizer.json through {@link org.isaerft.model.gpt2.HfTokenizer}), run by
 * one forward pass with TransformerLens hook points ({@link org.isaerft.model.llama.LlamaModel}),
 * registered as {@link org.isaerft.model.llama.LlamaFamily} for {@code model_type} "llama".
 */
package org.isaerft.model.llama;
