package dev.kumiki.eval.task;

import java.util.Map;
import java.util.regex.Pattern;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.UnknownTokenException;
import com.hubspot.jinjava.lib.filter.Filter;

/**
 * The one place Jinja templates are rendered (with jinjava), configured as lm-evaluation-harness configures Jinja2:
 * an undefined variable is an error ({@code StrictUndefined}), a trailing newline is kept, and the
 * {@code regex_replace(pattern, replacement)} filter exists.
 */
final class JinjaTemplates {
    /** Rendered text longer than this is refused: a prompt is kilobytes, not megabytes. */
    static final long MAX_OUTPUT = 16L << 20;
    private static final Jinjava JINJAVA = create();

    private JinjaTemplates() {
    }

    /** A template that could not be rendered: the line within the template (from 1, 0 if unknown) and why. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final int line;
        /** The undefined variable, when that is the problem; else null. */
        final String unknown;

        Failure(int line, String message, String unknown) {
            super(message);
            this.line = line;
            this.unknown = unknown;
        }
    }

    private static Jinjava create() {
        // Jinjava's expression factory loads its tree builder by name through the context class loader: inside OSGi
        // (the Studio, the CLI product) that loader must be Jinjava's own, or the class is not found
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        Jinjava j;
        try {
            thread.setContextClassLoader(Jinjava.class.getClassLoader());
            j = new Jinjava(JinjavaConfig.newBuilder().withFailOnUnknownTokens(true).withMaxOutputSize(MAX_OUTPUT)
                    .build());
        } finally {
            thread.setContextClassLoader(previous);
        }
        j.registerFilter(new Filter() {
            @Override
            public String getName() {
                return "regex_replace";
            }

            @Override
            public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
                if (args.length < 2) {
                    throw new IllegalArgumentException("regex_replace takes a pattern and a replacement");
                }
                // Python's re.sub writes groups as \1; Java's replaceAll as $1
                String replacement = args[1].replace("$", "\\$").replaceAll("\\\\(\\d)", "\\$$1");
                return Pattern.compile(args[0]).matcher(var == null ? "" : var.toString()).replaceAll(replacement);
            }
        });
        return j;
    }

    /** {@code source} rendered with {@code variables}. */
    static String render(String source, Map<String, ?> variables) throws Failure {
        RenderResult r;
        try {
            r = JINJAVA.renderForResult(source, variables);
        } catch (RuntimeException e) {
            throw failure(e, 0);
        }
        check(r.getErrors());
        return r.getOutput();
    }

    /**
     * The value of a template that is one expression, {@code {{ EXPR }}}, as an object (a list stays a list, a number
     * a number), or null when {@code source} is not such a template. lm-eval renders such templates to text and
     * reads the text back as a Python literal; evaluating the expression gives the same value.
     */
    static Object evaluateSingle(String source, Map<String, ?> variables) throws Failure {
        String t = source.strip();
        if (!t.startsWith("{{") || !t.endsWith("}}") || t.indexOf("{{", 2) >= 0 || t.indexOf("{%") >= 0
                || !source.equals(t)) {
            return null;
        }
        String expression = t.substring(2, t.length() - 2).strip();
        JinjavaInterpreter interpreter = JINJAVA.newInterpreter();
        interpreter.getContext().putAll(variables);
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            Object value = interpreter.resolveELExpression(expression, 1);
            check(interpreter.getErrors());
            return value;
        } catch (RuntimeException e) {
            throw failure(e, 1);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
    }

    private static void check(java.util.List<TemplateError> errors) throws Failure {
        for (TemplateError e : errors) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                String unknown = e.getException() instanceof UnknownTokenException u ? u.getToken() : null;
                throw new Failure(Math.max(e.getLineno(), 0), e.getMessage(), unknown);
            }
        }
    }

    private static Failure failure(RuntimeException e, int line) {
        Throwable c = e;
        while (c != null) {
            if (c instanceof UnknownTokenException u) {
                return new Failure(Math.max(u.getLineNumber(), line), "'" + u.getToken() + "' is undefined",
                        u.getToken());
            }
            c = c.getCause();
        }
        return new Failure(line, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), null);
    }
}
