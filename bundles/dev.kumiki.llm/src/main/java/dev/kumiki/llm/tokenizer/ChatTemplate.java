package dev.kumiki.llm.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;

import dev.kumiki.llm.Tokenizer.ChatMessage;

import java.time.LocalDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jinjava.javax.el.CompositeELResolver;

/**
 * A Hugging Face chat template (Jinja) and the environment {@code transformers}' {@code apply_chat_template} renders
 * it in, on jinjava.
 *
 * <p>The environment is Hugging Face's: {@code trim_blocks} and {@code lstrip_blocks} on, one trailing newline of the
 * template dropped (Jinja's {@code keep_trailing_newline=False}), loop controls ({@code break}, {@code continue}),
 * {@code namespace()}, the variables {@code messages}, {@code add_generation_prompt}, {@code bos_token},
 * {@code eos_token} and whatever else the caller passes (e.g. {@code enable_thinking}), and the functions
 * {@code raise_exception(message)} (a {@link ChatTemplateException} with the template's message) and
 * {@code strftime_now(format)}.
 *
 * <p>What jinjava lacks is added here, each in the way that keeps templates as they are:
 * <ul>
 * <li>Python's string methods as templates call them ({@code .strip(chars)}, {@code .lstrip()}, {@code .rstrip()},
 * {@code .startswith(prefix)}, {@code .endswith(suffix)}, {@code .split(sep, maxsplit)}, {@code .rsplit()},
 * {@code .replace(old, new, count)}, {@code .upper()}, {@code .lower()}, {@code .title()}, {@code .capitalize()},
 * {@code .find()}, {@code .count()}, {@code .join()}): an expression-language resolver ({@link PythonStrings}) in
 * front of jinjava's, so that e.g. {@code split} keeps Python's empty pieces instead of Java's regex split;</li>
 * <li>{@code tojson} replaced by Python's {@code json.dumps(x, ensure_ascii=False)} layout ({@code ", "} and
 * {@code ": "}, {@code indent=n}, {@code sort_keys}), as Hugging Face defines the filter ({@link PythonJson});</li>
 * <li>{@code trim} replaced by Python's {@code str.strip} (jinjava's keeps Unicode spaces such as U+3000)
 * ({@link PythonTrim});</li>
 * <li>a pre-processing step of the template text for syntax jinjava cannot parse or parses differently: the
 * reversing slice {@code x[::-1]} becomes {@code (x|reverse)}; keyword arguments get parentheses
 * ({@code namespace(i=messages|length - 1)} becomes {@code namespace(i=(messages|length - 1))}, which jinjava would
 * otherwise read as {@code (i=messages|length) - 1}); and {@code transformers}' {@code {% generation %}} marker tags
 * (which only mark assistant text for training masks) are removed;</li>
 * <li>{@code {{- … -}}} trims whitespace as in Jinja (jinjava's {@code useTrimmingForNotesAndExpressions}).</li>
 * </ul>
 * Jinja's {@code |trim}, {@code |length}, {@code loop.*}, {@code is defined}, {@code is none}, {@code is string},
 * slices {@code [1:]}, negative indexes and {@code in} are jinjava's own.
 *
 * <p>Known differences that chat templates do not meet in practice: jinjava prints {@code true}/{@code false} and
 * an empty string where Jinja prints {@code True}/{@code False} and {@code None}, and a list as {@code [a, b]} where
 * Python prints {@code ['a', 'b']}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ChatTemplate {

    private static final Pattern REVERSED_SLICE =
            Pattern.compile("([A-Za-z_][\\w]*(?:\\.[A-Za-z_]\\w*|\\[[^\\[\\]]*\\])*)\\[\\s*:\\s*:\\s*-1\\s*\\]");
    private static final Pattern GENERATION_TAG = Pattern.compile("\\{%-?\\s*(?:end)?generation\\s*-?%\\}");

    private final String source;
    private final String origin;
    private final String prepared;
    private final Jinjava jinjava;

    private ChatTemplate(String source, String origin) {
        this.source = source;
        this.origin = origin;
        this.prepared = prepare(source);
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStrings());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withFailOnUnknownTokens(false)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .build())
                .build();
        // Jinjava's expression factory loads its tree builder by name through the context class loader: inside OSGi
        // (the Studio, the CLI product) that loader must be Jinjava's own, or the class is not found
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try {
            thread.setContextClassLoader(Jinjava.class.getClassLoader());
            this.jinjava = new Jinjava(config);
        } finally {
            thread.setContextClassLoader(previous);
        }
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                ChatTemplate.class, "raiseException", String.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                ChatTemplate.class, "strftimeNow", String.class));
        jinjava.getGlobalContext().registerFilter(new PythonJson());
        jinjava.getGlobalContext().registerFilter(new PythonTrim());
    }

    /**
     * A template from its Jinja text.
     *
     * @param origin where it comes from, for error messages (e.g. {@code ".../tokenizer_config.json (chat_template)"})
     */
    public static ChatTemplate of(String source, String origin) {
        return new ChatTemplate(source, origin);
    }

    /** The template's Jinja text as given. */
    public String source() {
        return source;
    }

    /**
     * Renders a conversation as {@code apply_chat_template(messages, tokenize=False,
     * add_generation_prompt=addGenerationPrompt)} does.
     *
     * @throws ChatTemplateException when the template raises an exception or cannot be rendered
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, String bosToken, String eosToken) {
        List<Map<String, Object>> list = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", m.role());
            message.put("content", m.content());
            list.add(message);
        }
        Map<String, Object> variables = new HashMap<>();
        variables.put("messages", list);
        variables.put("add_generation_prompt", addGenerationPrompt);
        variables.put("bos_token", bosToken);
        variables.put("eos_token", eosToken);
        return render(variables);
    }

    /**
     * Renders with any variables, as {@code apply_chat_template(…, **kwargs)} passes extra keyword arguments (e.g.
     * {@code enable_thinking}, {@code tools}). Messages are maps ({@code role}, {@code content}, and whatever else
     * the template reads); values are strings, numbers, booleans, lists and maps.
     *
     * @throws ChatTemplateException when the template raises an exception or cannot be rendered
     */
    public String render(Map<String, ?> variables) {
        RenderResult result;
        try {
            result = jinjava.renderForResult(prepared, new HashMap<>(variables));
        } catch (RuntimeException e) {
            Raised raised = raisedIn(e);
            if (raised != null) {
                throw raisedException(raised);
            }
            throw new ChatTemplateException(origin + ": the chat template cannot be rendered: " + e.getMessage(), e);
        }
        for (TemplateError error : result.getErrors()) {
            Raised raised = raisedIn(error.getException());
            if (raised != null) {
                throw raisedException(raised);
            }
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new ChatTemplateException(origin + ": the chat template fails at line " + error.getLineno()
                        + (error.getFieldName() == null ? "" : " (" + error.getFieldName() + ")") + ": "
                        + error.getMessage() + ". Kumiki renders chat templates with jinjava in Hugging Face's"
                        + " environment; a template that transformers renders and Kumiki does not is a bug to report"
                        + " with the template.");
            }
        }
        return result.getOutput();
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + origin + "]";
    }

    private ChatTemplateException raisedException(Raised raised) {
        return new ChatTemplateException(origin + ": the chat template refuses this conversation: "
                + raised.getMessage());
    }

    private static Raised raisedIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof Raised r) {
                return r;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    /** Jinja drops one trailing newline; jinjava parses neither reversing slices nor transformers' extra tag. */
    static String prepare(String source) {
        String text = source;
        if (text.endsWith("\r\n")) {
            text = text.substring(0, text.length() - 2);
        } else if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        text = GENERATION_TAG.matcher(text).replaceAll("");
        Matcher m = REVERSED_SLICE.matcher(text);
        text = m.replaceAll(r -> Matcher.quoteReplacement("(" + r.group(1) + "|reverse)"));
        return parenthesizeKeywordArguments(text);
    }

    /**
     * {@code f(a=x - 1)} becomes {@code f(a=(x - 1))} inside expression and statement tags: jinjava binds a keyword
     * argument's {@code =} tighter than the operators after it ({@code namespace(i=messages|length - 1)} would
     * subtract 1 from the argument). Macro definitions and calls are left alone.
     */
    static String parenthesizeKeywordArguments(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        int i = 0;
        while (i < text.length()) {
            int expression = text.indexOf("{{", i);
            int statement = text.indexOf("{%", i);
            int open = expression < 0 ? statement : statement < 0 ? expression : Math.min(expression, statement);
            if (open < 0) {
                out.append(text, i, text.length());
                break;
            }
            String closing = open == expression ? "}}" : "%}";
            int close = tagEnd(text, open + 2, closing);
            if (close < 0) {
                out.append(text, i, text.length());
                break;
            }
            String inside = text.substring(open + 2, close);
            String keyword = inside.replaceFirst("^[-+\\s]*", "");
            boolean macro = keyword.startsWith("macro") || keyword.startsWith("call");
            out.append(text, i, open + 2).append(macro ? inside : parenthesizeInside(inside)).append(closing);
            i = close + 2;
        }
        return out.toString();
    }

    /** Where a tag's closing delimiter is, skipping string literals; -1 when it has none. */
    private static int tagEnd(String text, int from, String closing) {
        char quote = 0;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (text.startsWith(closing, i)) {
                return i;
            }
        }
        return -1;
    }

    private static String parenthesizeInside(String expr) {
        StringBuilder out = new StringBuilder(expr.length() + 8);
        ArrayDeque<Character> brackets = new ArrayDeque<>();
        ArrayDeque<Integer> wrapped = new ArrayDeque<>();
        char quote = 0;
        char previous = 0; // the last character that is not a space, outside strings
        for (int i = 0; i < expr.length(); i++) {
            char c = expr.charAt(i);
            if (quote != 0) {
                out.append(c);
                if (c == '\\' && i + 1 < expr.length()) {
                    out.append(expr.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                    previous = c;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
                out.append(c);
                continue;
            }
            if ((c == ',' || c == ')') && !wrapped.isEmpty() && wrapped.peek() == brackets.size()) {
                out.append(')');
                wrapped.pop();
            }
            if (c == '(' || c == '[' || c == '{') {
                brackets.push(c);
            } else if ((c == ')' || c == ']' || c == '}') && !brackets.isEmpty()) {
                brackets.pop();
            }
            if (Character.isJavaIdentifierStart(c) && (previous == '(' || previous == ',')
                    && !brackets.isEmpty() && brackets.peek() == '(') {
                int end = i;
                while (end < expr.length() && Character.isJavaIdentifierPart(expr.charAt(end))) {
                    end++;
                }
                int eq = end;
                while (eq < expr.length() && expr.charAt(eq) == ' ') {
                    eq++;
                }
                if (eq < expr.length() && expr.charAt(eq) == '='
                        && (eq + 1 >= expr.length() || expr.charAt(eq + 1) != '=')) {
                    out.append(expr, i, eq + 1).append('(');
                    wrapped.push(brackets.size());
                    i = eq;
                    previous = '=';
                    continue;
                }
            }
            out.append(c);
            if (c != ' ') {
                previous = c;
            }
        }
        return out.toString();
    }

    /** {@code raise_exception(message)}: the template refuses its input. Public for jinjava's function binding. */
    public static Object raiseException(String message) {
        throw new Raised(message);
    }

    /** {@code strftime_now(format)}: the local time in a Python {@code strftime} format. Public for jinjava. */
    public static String strftimeNow(String format) {
        return PythonStrings.strftime(format, LocalDateTime.now());
    }

    /** What {@code raise_exception} throws through jinjava, turned into a {@link ChatTemplateException}. */
    static final class Raised extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Raised(String message) {
            super(message);
        }
    }
}
