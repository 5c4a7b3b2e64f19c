/**
 * The GPT-2 family: {@link org.isaerft.model.gpt2.Gpt2Model} loads a Hugging Face GPT-2
 * directory ({@code config.json} + {@code model.safetensors}, optional {@code tokenizer.json}) and
 * runs it with TransformerLens hook points; {@link org.isaerft.model.gpt2.Gpt2Family} registers it
 * for {@code model_type: "gpt2"}. Tokenizers: GPT-2 BPE through jtokkit
 * ({@link org.isaerft.model.gpt2.Gpt2BpeTokenizer}), a {@code tokenizer.json} through DJL
 * ({@link org.isaerft.model.gpt2.HfTokenizer}), or ids as text for synthetic models
 * ({@link org.isaerft.model.gpt2.IdTokenizer}).
 */
package org.isaerft.model.gpt2;
