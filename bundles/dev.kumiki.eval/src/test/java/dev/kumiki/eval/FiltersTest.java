package dev.kumiki.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.eval.task.FilterPipeline;
import dev.kumiki.eval.task.FilterPipeline.Regex;
import dev.kumiki.eval.task.MetricSpec;

/** Filters and exact_match's options against lm-eval's own code paths run in Python. */
class FiltersTest {
    private static final List<String> RESPONSES = List.of("The answer is 42.", "#### -1,234.5 and #### 7",
            "no number here", "A) 3 B) 4", "  spaced  ", "x=1, y=22, z=333", "答えは12です。答えは13");

    @Test
    void regexFilterIsLmEvals() throws Exception {
        List<Regex> filters = List.of(new Regex(Regex.DEFAULT_PATTERN, 0, Regex.DEFAULT_FALLBACK),
                new Regex("(\\d+)", -1, "[none]"), new Regex("\\d+", 1, "[none]"),
                new Regex("([A-D])\\) (\\d)|(z)=", 0, "?"), new Regex("答えは(\\d+)", -1, "?"),
                new Regex("(?:answer is|####) (\\-?[0-9\\.\\,]+)", 0, "[invalid]"));
        ObjectMapper json = new ObjectMapper();
        StringBuilder cases = new StringBuilder("[");
        for (Regex f : filters) {
            cases.append(json.writeValueAsString(List.of(f.pattern(), f.groupSelect(), f.fallback()))).append(',');
        }
        cases.setLength(cases.length() - 1);
        cases.append(']');
        // lm-eval's RegexFilter.apply, verbatim in behaviour
        String py = Python.run("""
                import json, re
                out = []
                for pattern, group_select, fallback in json.loads(r'''%s'''):
                    regex = re.compile(pattern)
                    row = []
                    for resp in json.loads(r'''%s'''):
                        match = regex.findall(resp)
                        if match and not -len(match) <= group_select < len(match):
                            match = None  # lm-eval raises IndexError; Kumiki answers the fallback (documented)
                        if match:
                            match = match[group_select]
                            if isinstance(match, tuple):
                                match = [m for m in match if m]
                                if match:
                                    match = match[0]
                                else:
                                    match = fallback
                            match = match.strip()
                        else:
                            match = fallback
                        row.append(match)
                    out.append(row)
                print(json.dumps(out, ensure_ascii=False, separators=(',', ':')))
                """.formatted(cases, json.writeValueAsString(RESPONSES)));
        List<List<String>> java = new ArrayList<>();
        for (Regex f : filters) {
            java.add(f.apply(RESPONSES));
        }
        assertEquals(py, json.writeValueAsString(java));
    }

    @Test
    void selectionAndTransformationFilters() {
        assertEquals("b", new FilterPipeline("vote", List.of(new FilterPipeline.MajorityVote(),
                new FilterPipeline.TakeFirst())).apply(List.of("a", "b", "b", "a", "c", "b")));
        assertEquals("a", new FilterPipeline("tie", List.of(new FilterPipeline.MajorityVote()))
                .apply(List.of("a", "b", "b", "a")), "a tie goes to the first seen, as Counter.most_common");
        assertEquals(List.of("x", "y"), new FilterPipeline.TakeFirstK(2).apply(List.of("x", "y", "z")));
        assertEquals("c", new FilterPipeline("k", List.of(new FilterPipeline.TakeFirstK(3),
                new FilterPipeline.MajorityVote())).apply(List.of("c", "d", "c", "d", "d")));
        assertEquals("YES", new FilterPipeline("u", List.of(new FilterPipeline.RemoveWhitespace(),
                new FilterPipeline.Uppercase())).apply(List.of("\t yes \n")));
        assertEquals("1", new FilterPipeline("m", List.of(new FilterPipeline.Lowercase(),
                new FilterPipeline.MapValues(Map.of("yes", "1", "no", "0"), "-1"))).apply(List.of("Yes")));
        assertEquals("-1", new FilterPipeline.MapValues(Map.of("yes", "1"), "-1").apply(List.of("maybe")).get(0));
    }

    @Test
    void exactMatchOptionsAreHuggingFaceEvaluates() throws Exception {
        List<List<String>> pairs = List.of(List.of("The Answer.", "the answer"), List.of("$1,000", "1000"),
                List.of("Paris!", "paris"), List.of("abc123", "abc"), List.of("  x", "x"), List.of("ÉTÉ", "été"),
                List.of("a-b", "ab"), List.of("42", "42.0"));
        List<MetricSpec> options = List.of(MetricSpec.of("exact_match"),
                new MetricSpec("exact_match", null, null, true, false, false, List.of(), false),
                new MetricSpec("exact_match", null, null, true, true, false, List.of(), false),
                new MetricSpec("exact_match", null, null, false, false, true, List.of(), false),
                new MetricSpec("exact_match", null, null, false, false, false, List.of(",", "\\$", "^\\s+"), false));
        ObjectMapper json = new ObjectMapper();
        List<List<Double>> java = new ArrayList<>();
        StringBuilder opts = new StringBuilder("[");
        for (MetricSpec o : options) {
            List<Double> row = new ArrayList<>();
            for (List<String> p : pairs) {
                row.add(ExactMatch.score(p.get(0), p.get(1), o));
            }
            java.add(row);
            opts.append(json.writeValueAsString(Map.of("ignore_case", o.ignoreCase(), "ignore_punctuation",
                    o.ignorePunctuation(), "ignore_numbers", o.ignoreNumbers(), "regexes_to_ignore",
                    o.regexesToIgnore()))).append(',');
        }
        opts.setLength(opts.length() - 1);
        opts.append(']');
        // lm-eval's exact_match_hf_evaluate, one pair at a time as process_results calls it
        String py = Python.run("""
                import json, re, string
                import numpy as np
                def exact_match_hf_evaluate(predictions, references, regexes_to_ignore=None, ignore_case=False,
                                            ignore_punctuation=False, ignore_numbers=False):
                    if regexes_to_ignore is not None:
                        for s in regexes_to_ignore:
                            predictions = np.array([re.sub(s, "", x) for x in predictions])
                            references = np.array([re.sub(s, "", x) for x in references])
                    else:
                        predictions = np.asarray(predictions)
                        references = np.asarray(references)
                    if ignore_case:
                        predictions = np.char.lower(predictions)
                        references = np.char.lower(references)
                    if ignore_punctuation:
                        repl_table = string.punctuation.maketrans("", "", string.punctuation)
                        predictions = np.char.translate(predictions, table=repl_table)
                        references = np.char.translate(references, table=repl_table)
                    if ignore_numbers:
                        repl_table = string.digits.maketrans("", "", string.digits)
                        predictions = np.char.translate(predictions, table=repl_table)
                        references = np.char.translate(references, table=repl_table)
                    score_list = predictions == references
                    return {"exact_match": np.mean(score_list)}
                out = []
                for o in json.loads(r'''%s'''):
                    out.append([float(exact_match_hf_evaluate([p], [r], **o)["exact_match"])
                                for p, r in json.loads(r'''%s''')])
                print(json.dumps(out, separators=(',', ':')))
                """.formatted(opts, json.writeValueAsString(pairs)));
        assertEquals(py, json.writeValueAsString(java));
    }
}
