package org.isaerft.util;

import java.util.LinkedHashMap;
import java.util.Map;

/** Versions of everything a result depends on, recorded in every run's metadata. */
public final class Versions {
    private Versions() {}

    public static String isaerft() {
        String v = Versions.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }

    /** isaerft, Java, OS, and the libraries on the class path that shape results. */
    public static Map<String, String> all() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("isaerft", isaerft());
        m.put("git_commit", gitCommit());
        m.put("java", System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("djl", pkg(ai.djl.Device.class, "0.35.1"));
        m.put("pytorch", "2.7.1");
        m.put("langchain4j", pkg(dev.langchain4j.model.chat.ChatModel.class, "1.19.0"));
        m.put("jackson", com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString());
        return m;
    }

    private static String pkg(Class<?> c, String fallback) {
        String v = c.getPackage().getImplementationVersion();
        return v != null ? v : fallback;
    }

    /** The commit of the working tree this runs from, or "unknown" outside a git checkout. */
    public static String gitCommit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor() == 0 && out.matches("[0-9a-f]{40}") ? out : "unknown";
        } catch (Exception e) {
            return "unknown";
        }
    }
}
