package dev.kumiki.cli.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What {@code kumiki generate} prints on a terminal, where generated text must not drive the terminal. */
class GenerateCommandTest {

    @Test
    void controlCharactersAreShownNotSentToTheTerminal() {
        // ESC [ 2 J would clear the screen; BEL rings; CR overwrites the line; DEL and C1's CSI (U+009B) likewise
        assertEquals("␛[2J␇x␍y␡\\u009Bz", GenerateCommand.visible("\u001b[2J\u0007x\ry\u007f\u009bz"));
        // text, newlines, tabs and Japanese pass unchanged
        assertEquals("答えは5です。\n\tok", GenerateCommand.visible("答えは5です。\n\tok"));
    }
}
