package dev.kumiki.eval.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Python's text forms of document values, so prompts read as lm-eval writes them. */
final class PyValues {
    private PyValues() {
    }

    /** Python's {@code str(v)}: True/False, None, lists and dicts in repr form with quoted strings. */
    static String str(Object v) {
        if (v instanceof String s) {
            return s;
        }
        return repr(v);
    }

    static String repr(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (v instanceof String s) {
            boolean dq = s.contains("'") && !s.contains("\"");
            char q = dq ? '"' : '\'';
            StringBuilder sb = new StringBuilder().append(q);
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\t' -> sb.append("\\t");
                    case '\r' -> sb.append("\\r");
                    default -> {
                        if (c == q) {
                            sb.append('\\');
                        }
                        sb.append(c);
                    }
                }
            }
            return sb.append(q).toString();
        }
        if (v instanceof List<?> l) {
            List<String> parts = new ArrayList<>();
            l.forEach(o -> parts.add(repr(o)));
            return "[" + String.join(", ", parts) + "]";
        }
        if (v instanceof Map<?, ?> m) {
            List<String> parts = new ArrayList<>();
            m.forEach((k, o) -> parts.add(repr(k) + ": " + repr(o)));
            return "{" + String.join(", ", parts) + "}";
        }
        return v.toString();
    }

    /**
     * A Python list literal of strings and numbers ({@code ['a', "b", 3]}), as {@code ast.literal_eval} reads it;
     * null when the text is not one.
     */
    static List<Object> parseList(String text) {
        String s = text.strip();
        if (!s.startsWith("[") || !s.endsWith("]")) {
            return null;
        }
        List<Object> out = new ArrayList<>();
        int i = 1;
        int end = s.length() - 1;
        while (true) {
            while (i < end && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= end) {
                return out;
            }
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                StringBuilder sb = new StringBuilder();
                i++;
                while (i < end && s.charAt(i) != c) {
                    char d = s.charAt(i);
                    if (d == '\\' && i + 1 < end) {
                        char e = s.charAt(++i);
                        sb.append(switch (e) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            case 'r' -> '\r';
                            default -> e;
                        });
                    } else {
                        sb.append(d);
                    }
                    i++;
                }
                if (i >= end) {
                    return null;
                }
                out.add(sb.toString());
                i++;
            } else {
                int j = i;
                while (j < end && s.charAt(j) != ',' && !Character.isWhitespace(s.charAt(j))) {
                    j++;
                }
                String tok = s.substring(i, j);
                try {
                    out.add(tok.matches("-?\\d+") ? (Object) Long.parseLong(tok) : (Object) Double.parseDouble(tok));
                } catch (NumberFormatException e) {
                    return null;
                }
                i = j;
            }
            while (i < end && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i < end) {
                if (s.charAt(i) != ',') {
                    return null;
                }
                i++;
            }
        }
    }
}
