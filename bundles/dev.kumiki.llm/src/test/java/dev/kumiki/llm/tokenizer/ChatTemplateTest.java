package dev.kumiki.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kumiki.llm.Tokenizer.ChatMessage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Real chat templates rendered as Hugging Face's {@code apply_chat_template} does. Every expected string is written
 * by hand from the template's text and Jinja's semantics (trim_blocks, lstrip_blocks, Python string methods), not
 * produced by running transformers.
 */
class ChatTemplateTest {

    /** Meta-Llama-3-8B-Instruct's chat_template, as published in its tokenizer_config.json. */
    static final String LLAMA3 = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content ="
            + " '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim +"
            + " '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content"
            + " }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n'"
            + " }}{% endif %}";

    /** Llama-2-7b-chat-hf's chat_template, as published in its tokenizer_config.json. */
    static final String LLAMA2 = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set"
            + " system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set"
            + " system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] =="
            + " 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate"
            + " user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false"
            + " %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else"
            + " %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token +"
            + " '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  +"
            + " content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

    @Test
    void llama3() {
        ChatTemplate template = ChatTemplate.of(LLAMA3, "Llama 3");
        List<ChatMessage> messages = List.of(
                new ChatMessage("system", "You are a helpful assistant."),
                new ChatMessage("user", "日本の首都は？\u3000"), // ends in an ideographic space: |trim drops it
                new ChatMessage("assistant", "東京です。"),
                new ChatMessage("user", "  Why?\n"));
        String expected = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant."
                + "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n日本の首都は？<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n東京です。<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhy?<|eot_id|>";
        assertEquals(expected + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                template.render(messages, true, "<|begin_of_text|>", "<|eot_id|>"));
        assertEquals(expected, template.render(messages, false, "<|begin_of_text|>", "<|eot_id|>"));
    }

    @Test
    void llama2WithASystemPrompt() {
        ChatTemplate template = ChatTemplate.of(LLAMA2, "Llama 2");
        String rendered = template.render(List.of(new ChatMessage("system", "S"), new ChatMessage("user", "Hi "),
                new ChatMessage("assistant", " Hello"), new ChatMessage("user", "こんにちは")), true, "<s>", "</s>");
        assertEquals("<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nHi [/INST] Hello </s><s>[INST] こんにちは [/INST]", rendered);
    }

    @Test
    void raiseExceptionBecomesAClearError() {
        ChatTemplate template = ChatTemplate.of(LLAMA2, "models/llama2/tokenizer_config.json (chat_template)");
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> template.render(
                List.of(new ChatMessage("user", "a"), new ChatMessage("user", "b")), false, "<s>", "</s>"));
        assertEquals("models/llama2/tokenizer_config.json (chat_template): the chat template refuses this"
                + " conversation: Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
    }

    private static PretrainedTokenizer qwen;

    @BeforeAll
    static void loadQwen3() throws IOException {
        qwen = PretrainedTokenizer.load(Qwen3TokenizerTest.QWEN3);
    }

    @AfterAll
    static void closeQwen3() {
        qwen.close();
    }

    @Test
    void qwen3FromItsTokenizerConfig() {
        // the reasoning of an assistant turn before the last user message is dropped; its answer is kept
        List<ChatMessage> messages = List.of(
                new ChatMessage("system", "あなたは親切なアシスタントです。"),
                new ChatMessage("user", "1+1は？"),
                new ChatMessage("assistant", "<think>\n足し算です。\n</think>\n\n2です。"),
                new ChatMessage("user", "ありがとう"));
        String rendered = qwen.applyChatTemplate(messages, true);
        assertEquals("<|im_start|>system\nあなたは親切なアシスタントです。<|im_end|>\n"
                + "<|im_start|>user\n1+1は？<|im_end|>\n"
                + "<|im_start|>assistant\n2です。<|im_end|>\n"
                + "<|im_start|>user\nありがとう<|im_end|>\n"
                + "<|im_start|>assistant\n", rendered);

        // the rendered prompt's special tokens are single tokens
        int[] ids = qwen.encode(rendered, false);
        assertEquals(5, Arrays.stream(ids).filter(id -> id == 151644).count());
        assertEquals(4, Arrays.stream(ids).filter(id -> id == 151645).count());
        assertEquals(rendered, qwen.decode(ids, false));

        // the reasoning of the last assistant turn after the last user message is kept, cleaned of newlines
        assertEquals("<|im_start|>user\n2+2は？<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n考え中\n</think>\n\n4です。<|im_end|>\n",
                qwen.applyChatTemplate(List.of(new ChatMessage("user", "2+2は？"),
                        new ChatMessage("assistant", "<think>\n考え中\n</think>\n\n4です。")), false));
    }

    @Test
    void qwen3WithThinkingOffAndTools() {
        ChatTemplate template = qwen.chatTemplate().orElseThrow();
        Map<String, Object> variables = new HashMap<>();
        variables.put("messages", List.of(message("user", "こんにちは")));
        variables.put("add_generation_prompt", true);
        variables.put("enable_thinking", false);
        assertEquals("<|im_start|>user\nこんにちは<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
                template.render(variables));

        Map<String, Object> city = new LinkedHashMap<>();
        city.put("type", "string");
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("type", "object");
        parameters.put("properties", Map.of("city", city));
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", "get_weather");
        function.put("description", "天気を調べる");
        function.put("parameters", parameters);
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", function);
        variables.put("tools", List.of(tool));
        variables.put("messages", List.of(message("user", "東京の天気は？")));
        variables.remove("enable_thinking");
        // tojson is Python's json.dumps(ensure_ascii=False): ", " and ": " separators, Japanese as is
        String toolJson = "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\":"
                + " \"天気を調べる\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\":"
                + " \"string\"}}}}}";
        assertEquals("<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist with the user"
                + " query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
                + toolJson + "\n</tools>\n\nFor each function call, return a json object with function name and"
                + " arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>,"
                + " \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n東京の天気は？<|im_end|>\n<|im_start|>assistant\n", template.render(variables));
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    @ParameterizedTest(name = "{0} => {1}")
    @CsvSource(delimiterString = " => ", quoteCharacter = '"', value = {
        // Python's str methods as templates call them (jinjava has none of these, or Java's versions)
        "{{ '  a b  '.strip() }} => a b",
        "{{ '\\n\\nx\\n'.strip('\\n') }} => x",
        "{{ '\\n x '.lstrip() }} => \"x \"",
        "{{ ' x \\n'.rstrip() }} => \" x\"",
        "{{ 'abc'.startswith('ab') }} => true",
        "{{ 'abc'.endswith(('x', 'bc')) }} => true",
        "[{{ 'a</think>'.split('</think>')[-1] }}] => []",
        "{{ 'a.b.c'.split('.')[1] }} => b",
        "{{ ' a  b '.split() | length }} => 2",
        "{{ 'a,b,c'.rsplit(',', 1)[0] }} => a,b",
        "{{ 'a-b-c'.replace('-', '+', 1) }} => a+b-c",
        "{{ 'ab'.upper() }}{{ 'CD'.lower() }} => ABcd",
        "{{ 'hello world'.title() }} => Hello World",
        "{{ ', '.join(['x', 'y']) }} => x, y",
        "{{ '\u3000日本\u3000' | trim }} => 日本",
        // Jinja syntax jinjava does not parse, rewritten before rendering
        "{% set xs = [1, 2, 3] %}{% for x in xs[::-1] %}{{ x }}{% endfor %} => 321",
        "{% generation %}kept{% endgeneration %} => kept",
        // loop controls and namespace()
        "{% for x in [1, 2, 3, 4] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %} => 13",
        "{% set ns = namespace(n=0) %}{% for x in [1, 2, 3] %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }} => 6",
        // keyword arguments whose value is an expression (jinjava alone reads namespace(i=xs|length - 1) wrongly)
        "{% set xs = [1, 2, 3] %}{% set ns = namespace(i=xs|length - 1, s='a=b, c') %}{{ ns.i }} {{ ns.s }} => 2 a=b, c",
    })
    void jinjaAsHuggingFaceRendersIt(String template, String expected) {
        assertEquals(expected == null ? "" : expected, ChatTemplate.of(template, "test").render(Map.of()));
    }

    @Test
    void tojsonIsPythonsJsonDumps() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("text", "改行\nと\"引用\"");
        value.put("n", List.of(1, 2.5, true));
        value.put("none", null);
        Map<String, Object> variables = new HashMap<>();
        variables.put("v", value);
        assertEquals("{\"text\": \"改行\\nと\\\"引用\\\"\", \"n\": [1, 2.5, true], \"none\": null}",
                ChatTemplate.of("{{ v | tojson }}", "test").render(variables));
        assertEquals("{\n  \"text\": \"改行\\nと\\\"引用\\\"\",\n  \"n\": [\n    1,\n    2.5,\n    true\n  ],\n"
                + "  \"none\": null\n}", ChatTemplate.of("{{ v | tojson(indent=2) }}", "test").render(variables));
    }

    @Test
    void strftimeNowFormatsAsPython() {
        // Llama 3.1's template calls strftime_now("%d %b %Y") for its "Today Date" line
        assertEquals("26 Jul 2024", PythonStrings.strftime("%d %b %Y", java.time.LocalDateTime.of(2024, 7, 26, 9, 5)));
        assertEquals("2024-07-26 09:05:00 Friday 100%",
                PythonStrings.strftime("%Y-%m-%d %H:%M:%S %A 100%%", java.time.LocalDateTime.of(2024, 7, 26, 9, 5)));
        String today = ChatTemplate.of("{{ strftime_now('%Y') }}", "test").render(Map.of());
        assertEquals(String.valueOf(java.time.LocalDate.now().getYear()), today);
    }

    @Test
    void whitespaceIsControlledAsInJinja() {
        // {{- trims the whitespace before it; trim_blocks eats the newline after a block tag; lstrip_blocks the
        // indentation before one; one trailing newline of the template is dropped
        String template = "{%- for x in ['a', 'b'] %}\n    {{- x }}\n    {% if x == 'a' %}\n+\n    {% endif %}\n"
                + "{% endfor %}\n";
        assertEquals("a\n+\nb\n", ChatTemplate.of(template, "test").render(Map.of()));
    }

    @Test
    void aTemplateThatCannotRenderNamesItsFileAndLine() {
        ChatTemplate broken = ChatTemplate.of("line one\n{% for m in messages %}{{ m.content }}", "x/tokenizer_config.json");
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> broken.render(List.of(new ChatMessage("user", "hi")), false, "", ""));
        assertTrue(e.getMessage().startsWith("x/tokenizer_config.json: the chat template fails at line 2"),
                e.getMessage());
        assertTrue(e.getMessage().contains("endfor"), e.getMessage());
    }

    @Test
    void aModelWithoutChatTemplateSaysSo(@TempDir Path folder) throws IOException {
        ByteFallbackTokenizerTest.write(folder);
        try (PretrainedTokenizer base = PretrainedTokenizer.load(folder)) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> base.applyChatTemplate(List.of(new ChatMessage("user", "hi")), true));
            assertEquals("the model in " + folder + " has no chat template (neither tokenizer_config.json's"
                    + " chat_template nor chat_template.jinja): it is a base model, prompt it with plain text, or"
                    + " copy the chat template of its instruct version into tokenizer_config.json", e.getMessage());
        }
    }
}
