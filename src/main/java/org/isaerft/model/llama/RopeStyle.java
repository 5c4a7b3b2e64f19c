package org.isaerft.model.llama;

/**
 * Which dimensions of a head RoPE rotates together. The two are the same model up to a
 * permutation of the q/k projection rows (HF's conversion script applies it).
 */
public enum RopeStyle {
    /** llama2.c / Meta: pairs (0,1), (2,3), … of each head. */
    INTERLEAVED,
    /** Hugging Face {@code rotate_half}: pairs (i, i + d_head/2). */
    HALF
}
