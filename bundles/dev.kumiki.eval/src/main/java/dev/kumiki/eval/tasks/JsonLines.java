package dev.kumiki.eval.tasks;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * A small JSON Lines encoder for the generated datasets: fields in the order given, strings as UTF-8 (not
 * escaped beyond what JSON requires), integers as plain digits. Written by hand so that the bytes depend on nothing
 * but the data (no locale, no library defaults), which the determinism test pins with a digest.
 */
final class JsonLines {

    private JsonLines() {
    }

    /** One object per line, each line ending in {@code \n}. Values: String, Integer/Long, List of String. */
    static byte[] encode(List<Map<String, Object>> rows) {
        StringBuilder sb = new StringBuilder();
        for (Map<String, Object> row : rows) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> e : row.entrySet()) {
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                string(sb, e.getKey());
                sb.append(": ");
                value(sb, e.getValue());
            }
            sb.append("}\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void value(StringBuilder sb, Object v) {
        switch (v) {
            case String s -> string(sb, s);
            case Integer i -> sb.append(Integer.toString(i));
            case Long l -> sb.append(Long.toString(l));
            case List<?> list -> {
                sb.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        sb.append(", ");
                    }
                    value(sb, list.get(i));
                }
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("unsupported JSON value " + v.getClass().getName());
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
