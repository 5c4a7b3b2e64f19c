package org.isaerft.run;

/**
 * One SAE of the run as recorded in {@code saes/saes.json}.
 *
 * @param spec how to open it: a catalogue id, an absolute path outside the run folder, or a path relative to the run folder
 *             (an SAE the saes stage trained)
 */
public record SaeInfo(String name, String type, String spec, String hook, String id, int dIn, int dSae) {
    public SaeInfo {
        if (name == null || spec == null || hook == null) {
            throw new IllegalArgumentException("saes.json entry: name, spec and hook are required, found " + name + ", " + spec + ", " + hook);
        }
    }
}
