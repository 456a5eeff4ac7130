package dev.kumiki.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

class NamesTest {
    @Test
    void distanceIsLevenshteins() {
        // the textbook examples: kitten → sitting is two substitutions and an insertion
        assertEquals(3, Names.distance("kitten", "sitting"));
        assertEquals(3, Names.distance("sunday", "saturday"));
        assertEquals(0, Names.distance("", ""));
        assertEquals(4, Names.distance("", "ties"));
        assertEquals(2, Names.distance("tise", "ties"));
    }

    @Test
    void theClosestKnownNameIsSuggestedIgnoringCase() {
        assertEquals(Optional.of("ties"), Names.nearest("tise", Set.of("ties", "slerp", "linear")));
        assertEquals(Optional.of("Merge"), Names.nearest("mrege", List.of("Merge", "SaveModel")));
        assertEquals(Optional.of("linear"), Names.nearest("LINEAR", List.of("linear", "slerp")));
        assertEquals(Optional.of("doc_to_text"), Names.nearest("doc_to_txt",
                List.of("doc_to_text", "doc_to_target", "doc_to_choice")));
    }

    @Test
    void aNameTooFarAwayIsNotSuggested() {
        assertEquals(Optional.empty(), Names.nearest("zzzzzzzz", List.of("ties", "slerp")));
        // three edits in a five-letter word is more than max(2, 5 / 3)
        assertEquals(Optional.empty(), Names.nearest("abcde", List.of("abxyz")));
        assertEquals("", Names.suggestion("zzzzzzzz", List.of("ties")));
    }

    @Test
    void tiesGoToTheFirstInAlphabeticalOrder() {
        assertEquals(Optional.of("bat"), Names.nearest("cat", List.of("rat", "bat", "hat")));
        assertEquals(" (did you mean 'bat'?)", Names.suggestion("cat", List.of("rat", "hat", "bat")));
    }
}
