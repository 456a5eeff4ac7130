package dev.kumiki.llm.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;

/**
 * Jinja's {@code trim(chars=None)}, which is Python's {@code str.strip}: jinjava's own trims only ASCII controls and
 * spaces, so a Japanese message ending in an ideographic space (U+3000) would keep it where Hugging Face drops it.
 */
final class PythonTrim implements Filter {

    @Override
    public String getName() {
        return "trim";
    }

    @Override
    public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
        if (value == null) {
            return "";
        }
        String chars = args.length > 0 ? args[0] : null;
        return PythonStrings.rstrip(PythonStrings.lstrip(value.toString(), chars), chars);
    }
}
