package dev.kumiki.merge.config;

import java.util.Objects;
import java.util.Optional;

/**
 * Where in a merge configuration something is, structurally: a top-level key, a model entry, a slice or one of its
 * sources, and within them a parameter; plus, for configurations read from a file, the {@code FILE:LINE:COLUMN}
 * text. A front end that builds configurations in code (a pipeline's Merge node) maps the structure to its own
 * settings; the YAML front end prints the text.
 *
 * @param key       the top-level key concerned ({@code merge_method}, {@code base_model}, {@code models},
 *                  {@code slices}, {@code parameters}, {@code dtype}, {@code out_dtype}, {@code tokenizer_source},
 *                  {@code chat_template}), or empty for the configuration as a whole
 * @param slice     the output slice's index, or -1
 * @param source    the source's index within the slice, or -1
 * @param model     the model the place concerns (an entry of {@code models}, a slice source, the base model), or
 *                  empty
 * @param parameter the parameter's name, or empty
 * @param where     {@code FILE:LINE:COLUMN} (or {@code FILE}) for configurations read from a file, else empty
 */
public record Location(String key, int slice, int source, Optional<String> model, Optional<String> parameter,
                       String where) {
    public Location {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(parameter, "parameter");
        Objects.requireNonNull(where, "where");
    }

    /** The configuration as a whole. */
    public static final Location NONE = new Location("", -1, -1, Optional.empty(), Optional.empty(), "");

    /** A top-level key. */
    public static Location key(String key) {
        return new Location(key, -1, -1, Optional.empty(), Optional.empty(), "");
    }

    /** An entry of {@code models}. */
    public static Location model(String model) {
        return new Location("models", -1, -1, Optional.of(model), Optional.empty(), "");
    }

    /** An output slice. */
    public static Location slice(int slice) {
        return new Location("slices", slice, -1, Optional.empty(), Optional.empty(), "");
    }

    /** A source of an output slice. */
    public static Location source(int slice, int source, String model) {
        return new Location("slices", slice, source, Optional.of(model), Optional.empty(), "");
    }

    /** A parameter at this place ({@code parameters} when this is the whole configuration). */
    public Location parameter(String name) {
        return new Location(key.isEmpty() ? "parameters" : key, slice, source, model, Optional.of(name), where);
    }

    /** This place as written in a file. */
    public Location at(String fileLineColumn) {
        return new Location(key, slice, source, model, parameter, fileLineColumn);
    }

    /** The file position when known, else a description ("parameter 'weight' of model 'chat'"). */
    @Override
    public String toString() {
        if (!where.isEmpty()) {
            return where;
        }
        StringBuilder b = new StringBuilder();
        parameter.ifPresent(p -> b.append("parameter '").append(p).append("'"));
        String of = b.isEmpty() ? "" : " of ";
        if (source >= 0) {
            b.append(of).append("source ").append(source + 1).append(" of slice ").append(slice + 1);
        } else if (slice >= 0) {
            b.append(of).append("slice ").append(slice + 1);
        } else if (model.isPresent()) {
            b.append(of).append("model '").append(model.get()).append("'");
        } else if (!key.isEmpty() && parameter.isEmpty()) {
            b.append(key);
        }
        return b.toString();
    }
}
