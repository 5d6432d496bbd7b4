package dev.llama4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringsTest {
    @Test
    void holdsBackAPossibleStopStringAndCutsAtIt() {
        StopStrings s = new StopStrings(List.of("\nUser:"));
        assertEquals("Hello", s.feed("Hello"));
        assertEquals(" there", s.feed(" there\nUs"));
        assertFalse(s.matched());
        assertEquals("", s.feed("er:"));
        assertTrue(s.matched());
        assertEquals("Hello there", s.text());
        assertEquals("", s.feed("more"));
    }

    @Test
    void releasesHeldTextWhenItStopsMatching() {
        StopStrings s = new StopStrings(List.of("END"));
        assertEquals("a", s.feed("aEN"));
        assertEquals("ENx", s.feed("x"));
        assertFalse(s.matched());
        assertEquals("b", s.feed("bE"));
        assertEquals("E", s.flush());
        assertEquals("aENxbE", s.text());
    }

    @Test
    void earliestOfSeveralStopsWins() {
        StopStrings s = new StopStrings(List.of("cd", "b"));
        assertEquals("a", s.feed("abcd"));
        assertTrue(s.matched());
    }

    @Test
    void noStopsPassesEverythingThrough() {
        StopStrings s = new StopStrings(List.of());
        assertEquals("abc", s.feed("abc"));
        assertEquals("", s.flush());
        assertEquals("abc", s.text());
    }
}
