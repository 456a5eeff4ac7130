package dev.kumiki.llm.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Reading config.json: defaults, the two spellings of RoPE settings, and Llama 3's frequency scaling by hand. */
class DecoderConfigTest {

    @Test
    void defaultsAreTransformersOnes() throws Exception {
        ObjectNode c = TinyModel.llama().config();
        c.remove("num_key_value_heads");
        c.remove("rope_theta");
        c.remove("hidden_act");
        c.remove("tie_word_embeddings");
        c.set("eos_token_id", TinyModel.JSON.valueToTree(List.of(1, 7)));
        DecoderConfig d = DecoderConfig.of(c, "config.json");
        assertEquals(4, d.kvHeads(), "no num_key_value_heads: one per attention head");
        assertEquals(16, d.headDim(), "hidden_size / num_attention_heads");
        assertEquals(10000.0, d.ropeTheta());
        assertFalse(d.tiedEmbeddings());
        assertEquals(List.of(1, 7), d.eosTokenIds());
        assertEquals(OptionalInt.of(0), d.bosTokenId());
        assertTrue(d.ropeScaling().isEmpty());
    }

    @Test
    void ropeParametersOfTransformers5ReadAsRopeThetaAndRopeScaling() throws Exception {
        ObjectNode classic = TinyModel.llama().set(m -> {
            m.llama3Scaling = true;
            m.ropeTheta = 500000;
        }).config();
        ObjectNode nested = classic.deepCopy();
        ObjectNode params = ((ObjectNode) nested.remove("rope_scaling")).put("rope_theta", 500000.0);
        nested.remove("rope_theta");
        nested.set("rope_parameters", params);
        assertEquals(DecoderConfig.of(classic, "a"), DecoderConfig.of(nested, "a"));
    }

    @Test
    void llama3ScalingDividesLongWavelengthsKeepsShortOnesAndBlendsBetween() throws Exception {
        DecoderConfig d = DecoderConfig.of(TinyModel.llama().set(m -> {
            m.llama3Scaling = true;   // factor 8, low 1, high 8, original 64
            m.ropeTheta = 500000;
        }).config(), "config.json");
        double[] inv = d.inverseFrequencies();
        assertEquals(8, inv.length);
        for (int i = 0; i < 8; i++) {
            double f = 1 / Math.pow(500000, 2.0 * i / 16);
            double wavelen = 2 * Math.PI / f;
            double expected;
            if (wavelen < 64 / 8.0) {
                expected = f;
            } else if (wavelen > 64 / 1.0) {
                expected = f / 8;
            } else {
                double smooth = (64 / wavelen - 1) / (8 - 1);
                expected = (1 - smooth) * f / 8 + smooth * f;
            }
            assertEquals(expected, inv[i], expected * 1e-6, "frequency " + i);
        }
        // the three regimes all occur (so the reference test covers them too): i = 0 kept (wavelength 2π < 8),
        // i = 1 blended (≈ 32.4, between 8 and 64), i ≥ 2 divided (≈ 167 and up)
        double f1 = 1 / Math.pow(500000, 2.0 / 16);
        assertTrue(2 * Math.PI / f1 > 8 && 2 * Math.PI / f1 < 64);
        assertTrue(2 * Math.PI * Math.pow(500000, 4.0 / 16) > 64);
        assertArrayEquals(new double[] {1.0}, new double[] {inv[0]}, 1e-7);
        assertTrue(inv[1] < f1 && inv[1] > f1 / 8, "blended");
    }
}
