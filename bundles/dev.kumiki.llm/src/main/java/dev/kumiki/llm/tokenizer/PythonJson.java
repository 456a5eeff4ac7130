package dev.kumiki.llm.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Hugging Face's {@code tojson} filter: {@code json.dumps(x, ensure_ascii=False, indent=indent,
 * separators=separators, sort_keys=sort_keys)}, so {@code ", "} and {@code ": "} between items without an indent,
 * {@code ","} and a newline with one; non-ASCII text as is.
 */
final class PythonJson implements Filter {

    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
        return filter(value, interpreter, (Object[]) args, Map.of());
    }

    @Override
    public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
        boolean sortKeys = Boolean.TRUE.equals(kwargs.get("sort_keys"));
        String indentText = null;
        if (indent instanceof Number n) {
            indentText = " ".repeat(n.intValue());
        } else if (indent instanceof String s) {
            indentText = s;
        }
        StringBuilder out = new StringBuilder();
        write(out, value, indentText, "", sortKeys);
        return out.toString();
    }

    static String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, null, "", false);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value, String indent, String current, boolean sortKeys) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            out.append(d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e16 ? (long) d + ".0"
                    : Double.toString(d));
        } else if (value instanceof Number n) {
            out.append(n);
        } else if (value instanceof CharSequence s) {
            string(out, s.toString());
        } else if (value instanceof Map<?, ?> map) {
            Map<?, ?> entries = sortKeys ? new TreeMap<>(map) : map;
            if (entries.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append('{');
            String inner = indent == null ? current : current + indent;
            boolean first = true;
            for (var e : entries.entrySet()) {
                separator(out, first, indent, inner);
                first = false;
                string(out, String.valueOf(e.getKey()));
                out.append(": ");
                write(out, e.getValue(), indent, inner, sortKeys);
            }
            close(out, indent, current, '}');
        } else if (value instanceof Collection<?> || value.getClass().isArray()) {
            List<Object> items = new ArrayList<>();
            if (value instanceof Collection<?> c) {
                items.addAll(c);
            } else {
                for (int i = 0; i < Array.getLength(value); i++) {
                    items.add(Array.get(value, i));
                }
            }
            if (items.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append('[');
            String inner = indent == null ? current : current + indent;
            boolean first = true;
            for (Object item : items) {
                separator(out, first, indent, inner);
                first = false;
                write(out, item, indent, inner, sortKeys);
            }
            close(out, indent, current, ']');
        } else {
            string(out, value.toString());
        }
    }

    private static void separator(StringBuilder out, boolean first, String indent, String inner) {
        if (indent == null) {
            if (!first) {
                out.append(", ");
            }
        } else {
            out.append(first ? "\n" : ",\n").append(inner);
        }
    }

    private static void close(StringBuilder out, String indent, String current, char bracket) {
        if (indent != null) {
            out.append('\n').append(current);
        }
        out.append(bracket);
    }

    /** A JSON string as Python writes it with ensure_ascii=False: only quotes, backslashes and controls escaped. */
    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
