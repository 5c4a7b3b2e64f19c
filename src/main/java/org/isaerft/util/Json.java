package org.isaerft.util;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The project's JSON and YAML mappers. On disk every field is snake_case (readable from Python),
 * records map by their component names, and unknown fields are an error unless a record says
 * otherwise.
 */
public final class Json {
    private Json() {}

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new Jdk8Module())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** One JSON object per line (JSONL): no indentation. */
    public static final ObjectMapper LINE = MAPPER.copy().disable(SerializationFeature.INDENT_OUTPUT);

    public static final ObjectMapper YAML = YAMLMapper.builder()
            .addModule(new Jdk8Module())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    public static String line(Object value) {
        try {
            return LINE.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code value} as pretty JSON to {@code path}, atomically. */
    public static void writeFile(Path path, Object value) {
        AtomicFiles.writeString(path, write(value) + "\n");
    }

    public static <T> T readFile(Path path, Class<T> type) {
        try {
            ObjectMapper m = isYaml(path) ? YAML : MAPPER;
            return m.readValue(path.toFile(), type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + " as " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    public static boolean isYaml(Path path) {
        String n = path.getFileName().toString();
        return n.endsWith(".yaml") || n.endsWith(".yml");
    }
}
