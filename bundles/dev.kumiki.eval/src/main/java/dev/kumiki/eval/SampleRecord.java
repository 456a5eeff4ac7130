package dev.kumiki.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.kumiki.eval.Aggregation.Item;

/**
 * What happened to one document: the prompt, the target, what the model said (per-choice log-likelihoods or
 * generated responses), each filter's extracted answer, and each metric's per-sample value.
 *
 * @param task       the task's name
 * @param docId      the document's position in the evaluated split, from 0
 * @param doc        the document's fields
 * @param source     {@code FILE:LINE} of the document
 * @param prompt     the context given to the model
 * @param target     the reference: text, a choice index, or a list of acceptable answers
 * @param choices    the choices (multiple choice), else empty
 * @param logprobs   per choice (multiple choice), or the target's (loglikelihood, rolling); else empty
 * @param greedy     per choice / for the target: whether it is the greedy continuation; else empty
 * @param responses  generated texts, one per repeat (generate_until), else empty
 * @param filtered   filter name → extracted answer (generate_until), else empty
 * @param scores     {@code "metric,filter"} → the per-sample value
 * @param tokens     tokens this document cost (see {@link Progress#tokens()})
 * @param progress   where the evaluation is after this document
 */
public record SampleRecord(String task, int docId, Map<String, Object> doc, String source, String prompt,
        Object target, List<String> choices, List<Double> logprobs, List<Boolean> greedy, List<String> responses,
        Map<String, String> filtered, Map<String, Item> scores, long tokens, Progress progress) {

    public SampleRecord {
        doc = Collections.unmodifiableMap(new LinkedHashMap<>(doc));
        choices = List.copyOf(choices);
        logprobs = List.copyOf(logprobs);
        greedy = List.copyOf(greedy);
        responses = List.copyOf(responses);
        filtered = Collections.unmodifiableMap(new LinkedHashMap<>(filtered));
        scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
    }
}
