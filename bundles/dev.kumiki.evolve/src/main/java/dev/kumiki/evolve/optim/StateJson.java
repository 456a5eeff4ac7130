package dev.kumiki.evolve.optim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reading and writing optimiser states. Finite doubles are written as JSON numbers (Jackson prints the shortest text
 * that parses back to the same bits); NaN and the infinities, which JSON has no numbers for, as the strings
 * {@code "NaN"}, {@code "Infinity"} and {@code "-Infinity"}. A state that does not have the expected shape is refused
 * with a message naming the key, what was expected and what was found.
 */
final class StateJson {
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private StateJson() {
    }

    static ObjectNode object(String optimizer, int dimensions) {
        ObjectNode n = NODES.objectNode();
        n.put("optimizer", optimizer);
        n.put("format", 1);
        n.put("dimensions", dimensions);
        return n;
    }

    static JsonNode number(double v) {
        if (Double.isFinite(v)) {
            return NODES.numberNode(v);
        }
        return NODES.textNode(Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
    }

    static ArrayNode array(double[] values) {
        ArrayNode a = NODES.arrayNode(values.length);
        for (double v : values) {
            a.add(number(v));
        }
        return a;
    }

    static ArrayNode matrix(double[][] rows) {
        ArrayNode a = NODES.arrayNode(rows.length);
        for (double[] r : rows) {
            a.add(array(r));
        }
        return a;
    }

    static JsonNode required(JsonNode state, String key) {
        JsonNode v = state.get(key);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException(
                    "optimizer state of '" + state.path("optimizer").asText("?") + "' has no '" + key
                            + "'; the checkpoint is damaged or was written by another program: start a new search");
        }
        return v;
    }

    static double doubleOf(JsonNode state, String key) {
        return toDouble(required(state, key), key);
    }

    static long longOf(JsonNode state, String key) {
        JsonNode v = required(state, key);
        if (!v.canConvertToLong() || !v.isIntegralNumber()) {
            throw bad(state, key, "an integer", v);
        }
        return v.asLong();
    }

    static int intOf(JsonNode state, String key) {
        JsonNode v = required(state, key);
        if (!v.isInt()) {
            throw bad(state, key, "an integer", v);
        }
        return v.asInt();
    }

    static double[] arrayOf(JsonNode state, String key, int length) {
        return toArray(required(state, key), state, key, length);
    }

    static double[][] matrixOf(JsonNode state, String key, int rows, int columns) {
        JsonNode v = required(state, key);
        if (!v.isArray() || v.size() != rows) {
            throw bad(state, key, rows + " rows", v);
        }
        double[][] m = new double[rows][];
        for (int i = 0; i < rows; i++) {
            m[i] = toArray(v.get(i), state, key + "[" + i + "]", columns);
        }
        return m;
    }

    private static double[] toArray(JsonNode v, JsonNode state, String key, int length) {
        if (!v.isArray() || v.size() != length) {
            throw bad(state, key, length + " numbers", v);
        }
        double[] a = new double[length];
        for (int i = 0; i < length; i++) {
            a[i] = toDouble(v.get(i), key + "[" + i + "]");
        }
        return a;
    }

    private static double toDouble(JsonNode v, String key) {
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isTextual()) {
            switch (v.asText()) {
            case "NaN":
                return Double.NaN;
            case "Infinity":
                return Double.POSITIVE_INFINITY;
            case "-Infinity":
                return Double.NEGATIVE_INFINITY;
            default:
                break;
            }
        }
        throw new IllegalArgumentException("optimizer state: '" + key + "' should be a number, found " + v);
    }

    private static IllegalArgumentException bad(JsonNode state, String key, String expected, JsonNode found) {
        String text = found.toString();
        return new IllegalArgumentException("optimizer state of '" + state.path("optimizer").asText("?") + "': '" + key
                + "' should be " + expected + ", found " + (text.length() > 60 ? text.substring(0, 60) + "…" : text)
                + "; the checkpoint is damaged or was written by another program: start a new search");
    }

    /** A seed for generation {@code generation} (and a stream within it) from the run's seed: SplitMix64's finaliser. */
    static long mix(long seed, long generation, long stream) {
        long z = seed + 0x9E3779B97F4A7C15L * (generation + 1) + 0xD1B54A32D192ED03L * (stream + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
