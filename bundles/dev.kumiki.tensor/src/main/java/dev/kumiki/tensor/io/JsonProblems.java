package dev.kumiki.tensor.io;

import com.fasterxml.jackson.core.JsonProcessingException;

/** Jackson's parse errors as one readable phrase: what is wrong and where, without its source-location noise. */
final class JsonProblems {
    private JsonProblems() {
    }

    /** e.g. {@code Unexpected end-of-input: expected close marker for Object at line 1, column 8}. */
    static String describe(JsonProcessingException e) {
        String what = e.getOriginalMessage().replaceAll("\\s*\\(start marker at \\[Source: [^\\]]*\\]\\)", "")
                .replaceAll("\\s+", " ").strip();
        var at = e.getLocation();
        return at == null ? what : what + " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }
}
