package org.isaerft.model;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A named point in the forward pass, spelled exactly as TransformerLens does:
 * {@code hook_embed}, {@code blocks.L.hook_resid_pre}, {@code blocks.L.hook_resid_mid},
 * {@code blocks.L.hook_resid_post}, {@code ln_final.hook_normalized}, plus the block-internal
 * points {@code blocks.L.ln1.hook_normalized}, {@code blocks.L.attn.hook_pattern},
 * {@code blocks.L.hook_attn_out}, {@code blocks.L.ln2.hook_normalized},
 * {@code blocks.L.mlp.hook_pre}, {@code blocks.L.mlp.hook_post}, {@code blocks.L.hook_mlp_out}.
 *
 * @param layer block index, or -1 for points outside the blocks
 * @param site  the part after {@code blocks.L.} (or the whole name outside the blocks)
 */
public record HookPoint(int layer, String site) implements Comparable<HookPoint> {
    public static final String EMBED = "hook_embed";
    public static final String LN_FINAL = "ln_final.hook_normalized";
    public static final String RESID_PRE = "hook_resid_pre";
    public static final String RESID_MID = "hook_resid_mid";
    public static final String RESID_POST = "hook_resid_post";
    public static final String LN1 = "ln1.hook_normalized";
    public static final String ATTN_PATTERN = "attn.hook_pattern";
    public static final String ATTN_OUT = "hook_attn_out";
    public static final String LN2 = "ln2.hook_normalized";
    public static final String MLP_PRE = "mlp.hook_pre";
    public static final String MLP_POST = "mlp.hook_post";
    public static final String MLP_OUT = "hook_mlp_out";

    /** Block sites in forward order. */
    public static final java.util.List<String> BLOCK_SITES = java.util.List.of(
            RESID_PRE, LN1, ATTN_PATTERN, ATTN_OUT, RESID_MID, LN2, MLP_PRE, MLP_POST, MLP_OUT, RESID_POST);
    private static final Set<String> TOP_SITES = Set.of(EMBED, LN_FINAL);
    private static final Pattern BLOCK = Pattern.compile("blocks\\.(\\d+)\\.(.+)");

    public HookPoint {
        if (site == null) {
            throw new IllegalArgumentException("hook site is required");
        }
        if (layer < 0) {
            if (layer != -1 || !TOP_SITES.contains(site)) {
                throw new IllegalArgumentException("unknown hook point '" + site + "' (expected one of " + TOP_SITES
                        + " or blocks.L.{" + String.join(",", BLOCK_SITES) + "})");
            }
        } else if (!BLOCK_SITES.contains(site)) {
            throw new IllegalArgumentException("unknown hook point 'blocks." + layer + "." + site + "' (block sites: "
                    + BLOCK_SITES + ")");
        }
    }

    public static HookPoint parse(String name) {
        if (name == null) {
            throw new IllegalArgumentException("hook point name is required");
        }
        String n = name.trim();
        if (TOP_SITES.contains(n)) {
            return new HookPoint(-1, n);
        }
        Matcher m = BLOCK.matcher(n);
        if (m.matches()) {
            return new HookPoint(Integer.parseInt(m.group(1)), m.group(2));
        }
        throw new IllegalArgumentException("unknown hook point '" + name + "' (expected e.g. hook_embed, blocks.2.hook_resid_pre, "
                + "blocks.2.hook_resid_mid, blocks.2.hook_resid_post, ln_final.hook_normalized)");
    }

    /**
     * Every hook point of a decoder with {@code nLayers} blocks, in forward order: hook_embed, each
     * block's {@link #BLOCK_SITES}, ln_final.hook_normalized.
     */
    public static java.util.List<HookPoint> all(int nLayers) {
        java.util.List<HookPoint> points = new java.util.ArrayList<>();
        points.add(embed());
        for (int l = 0; l < nLayers; l++) {
            for (String site : BLOCK_SITES) {
                points.add(new HookPoint(l, site));
            }
        }
        points.add(lnFinal());
        return java.util.List.copyOf(points);
    }

    public static HookPoint embed() {
        return new HookPoint(-1, EMBED);
    }

    public static HookPoint lnFinal() {
        return new HookPoint(-1, LN_FINAL);
    }

    public static HookPoint residPre(int layer) {
        return new HookPoint(layer, RESID_PRE);
    }

    public static HookPoint residMid(int layer) {
        return new HookPoint(layer, RESID_MID);
    }

    public static HookPoint residPost(int layer) {
        return new HookPoint(layer, RESID_POST);
    }

    public String name() {
        return layer < 0 ? site : "blocks." + layer + "." + site;
    }

    /** A form safe to use as a file or directory name. */
    public String fileSafeName() {
        return name().replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    /** True for points carrying the residual stream (or the final normalised stream). */
    public boolean isResidual() {
        return site.equals(RESID_PRE) || site.equals(RESID_MID) || site.equals(RESID_POST) || site.equals(EMBED);
    }

    /** Position in forward order. */
    public int order() {
        if (site.equals(EMBED)) {
            return -1;
        }
        if (site.equals(LN_FINAL)) {
            return Integer.MAX_VALUE;
        }
        return layer * BLOCK_SITES.size() + BLOCK_SITES.indexOf(site);
    }

    @Override
    public int compareTo(HookPoint o) {
        return Integer.compare(order(), o.order());
    }

    @Override
    public String toString() {
        return name();
    }
}
