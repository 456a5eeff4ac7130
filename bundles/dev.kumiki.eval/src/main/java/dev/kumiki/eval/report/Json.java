package dev.kumiki.eval.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The JSON writer of the report package: UTF-8 as is, no escaping of non-ASCII, NaN never written as a number. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Json() {
    }

    /** A finite number, or null (JSON has no NaN). */
    static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }
}
