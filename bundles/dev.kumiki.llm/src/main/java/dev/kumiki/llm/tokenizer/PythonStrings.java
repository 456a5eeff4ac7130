package dev.kumiki.llm.tokenizer;

import java.beans.FeatureDescriptor;
import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's {@code str} methods for chat templates, as an expression-language resolver that answers method calls on
 * strings before jinjava's bean resolver does (which knows only Java's {@code String} methods: no
 * {@code startswith}, and a regex {@code split} that drops trailing empty pieces). Property reads and writes are left
 * to the next resolver.
 */
final class PythonStrings extends ELResolver {

    private static final Set<String> METHODS = Set.of("strip", "lstrip", "rstrip", "startswith", "endswith", "split",
            "rsplit", "replace", "upper", "lower", "title", "capitalize", "find", "count", "join", "isspace",
            "isdigit", "isalpha");

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null || !METHODS.contains(method.toString())) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = call(s, method.toString(), args);
        context.setPropertyResolved(true);
        return result;
    }

    static Object call(String s, String method, Object[] args) {
        return switch (method) {
            case "strip" -> rstrip(lstrip(s, arg(args, 0)), arg(args, 0));
            case "lstrip" -> lstrip(s, arg(args, 0));
            case "rstrip" -> rstrip(s, arg(args, 0));
            case "startswith" -> anyOf(args, 0).stream().anyMatch(s::startsWith);
            case "endswith" -> anyOf(args, 0).stream().anyMatch(s::endsWith);
            case "split" -> split(s, arg(args, 0), args.length > 1 ? ((Number) args[1]).intValue() : -1);
            case "rsplit" -> rsplit(s, arg(args, 0), args.length > 1 ? ((Number) args[1]).intValue() : -1);
            case "replace" -> replace(s, str(args, 0), str(args, 1), args.length > 2 ? ((Number) args[2]).intValue()
                    : -1);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s
                    : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "find" -> s.indexOf(str(args, 0));
            case "count" -> count(s, str(args, 0));
            case "join" -> join(s, args.length > 0 ? args[0] : List.of());
            case "isspace" -> !s.isEmpty() && s.codePoints().allMatch(PythonStrings::isPythonSpace);
            case "isdigit" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            default -> throw new IllegalStateException(method);
        };
    }

    private static String arg(Object[] args, int i) {
        return args.length > i && args[i] != null ? args[i].toString() : null;
    }

    private static String str(Object[] args, int i) {
        if (args.length <= i || args[i] == null) {
            throw new IllegalArgumentException("missing argument " + (i + 1));
        }
        return args[i].toString();
    }

    private static List<String> anyOf(Object[] args, int i) {
        if (args.length > i && args[i] instanceof Collection<?> c) {
            List<String> all = new ArrayList<>();
            c.forEach(o -> all.add(String.valueOf(o)));
            return all;
        }
        return List.of(str(args, i));
    }

    /** Python's {@code str.isspace} characters (what {@code strip()} and {@code split()} remove). */
    static boolean isPythonSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85 || (c >= 0x1c && c <= 0x1f);
    }

    private static boolean strips(int c, String chars) {
        return chars == null ? isPythonSpace(c) : chars.indexOf(c) >= 0;
    }

    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length()) {
            int c = s.codePointAt(i);
            if (!strips(c, chars)) {
                break;
            }
            i += Character.charCount(c);
        }
        return s.substring(i);
    }

    static String rstrip(String s, String chars) {
        int end = s.length();
        while (end > 0) {
            int c = s.codePointBefore(end);
            if (!strips(c, chars)) {
                break;
            }
            end -= Character.charCount(c);
        }
        return s.substring(0, end);
    }

    static List<String> split(String s, String sep, int maxsplit) {
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isPythonSpace(s.codePointAt(i))) {
                    i += Character.charCount(s.codePointAt(i));
                }
                if (i >= n) {
                    break;
                }
                if (maxsplit >= 0 && parts.size() == maxsplit) {
                    parts.add(rstrip(s.substring(i), null));
                    break;
                }
                int start = i;
                while (i < n && !isPythonSpace(s.codePointAt(i))) {
                    i += Character.charCount(s.codePointAt(i));
                }
                parts.add(s.substring(start, i));
            }
            return parts;
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int start = 0;
        int at;
        while ((maxsplit < 0 || parts.size() < maxsplit) && (at = s.indexOf(sep, start)) >= 0) {
            parts.add(s.substring(start, at));
            start = at + sep.length();
        }
        parts.add(s.substring(start));
        return parts;
    }

    static List<String> rsplit(String s, String sep, int maxsplit) {
        if (sep == null || maxsplit < 0) {
            return split(s, sep, maxsplit);
        }
        List<String> parts = new ArrayList<>();
        int end = s.length();
        int at;
        while (parts.size() < maxsplit && end >= sep.length() && (at = s.lastIndexOf(sep, end - sep.length())) >= 0) {
            parts.add(s.substring(at + sep.length(), end));
            end = at;
        }
        parts.add(s.substring(0, end));
        Collections.reverse(parts);
        return parts;
    }

    private static String replace(String s, String old, String replacement, int count) {
        if (count < 0 || old.isEmpty()) {
            return count == 0 ? s : s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int start = 0;
        int at;
        for (int done = 0; done < count && (at = s.indexOf(old, start)) >= 0; done++) {
            out.append(s, start, at).append(replacement);
            start = at + old.length();
        }
        return out.append(s, start, s.length()).toString();
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1;
        }
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            previousCased = Character.isLetter(c);
        }
        return out.toString();
    }

    private static String join(String separator, Object items) {
        List<String> parts = new ArrayList<>();
        if (items instanceof Iterable<?> it) {
            it.forEach(o -> parts.add(String.valueOf(o)));
        } else if (items instanceof Iterator<?> it) {
            it.forEachRemaining(o -> parts.add(String.valueOf(o)));
        } else {
            String text = String.valueOf(items);
            text.codePoints().forEach(c -> parts.add(Character.toString(c)));
        }
        return String.join(separator, parts);
    }

    /** Python's {@code strftime} for the directives chat templates use (dates in system prompts). */
    static String strftime(String format, LocalDateTime t) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char d = format.charAt(++i);
            switch (d) {
                case 'd' -> out.append(String.format("%02d", t.getDayOfMonth()));
                case 'm' -> out.append(String.format("%02d", t.getMonthValue()));
                case 'Y' -> out.append(t.getYear());
                case 'y' -> out.append(String.format("%02d", t.getYear() % 100));
                case 'H' -> out.append(String.format("%02d", t.getHour()));
                case 'M' -> out.append(String.format("%02d", t.getMinute()));
                case 'S' -> out.append(String.format("%02d", t.getSecond()));
                case 'b' -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'j' -> out.append(String.format("%03d", t.getDayOfYear()));
                case '%' -> out.append('%');
                default -> out.append('%').append(d);
            }
        }
        return out.toString();
    }

    // The rest of ELResolver: this resolver answers method calls only.

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // not a property resolver: the next resolver handles writes
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
