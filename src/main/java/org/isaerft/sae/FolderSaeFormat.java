package org.isaerft.sae;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A format stored as one folder holding a config file and a weights file (SAELens, sparsify). */
abstract class FolderSaeFormat implements SaeFormat {
    private final String name;
    private final String cfgFile;
    private final String weightsFile;

    FolderSaeFormat(String name, String cfgFile, String weightsFile) {
        this.name = name;
        this.cfgFile = cfgFile;
        this.weightsFile = weightsFile;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String expectedFiles() {
        return cfgFile + " + " + weightsFile;
    }

    @Override
    public boolean recognises(Path path) {
        return Files.isDirectory(path) && Files.exists(path.resolve(cfgFile)) && Files.exists(path.resolve(weightsFile));
    }

    @Override
    public List<String> remoteFiles(String path) {
        String p = path.isEmpty() || path.endsWith("/") ? path : path + "/";
        return List.of(p + cfgFile, p + weightsFile);
    }
}
