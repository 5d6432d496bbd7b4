package dev.llama4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.TestData;
import dev.llama4j.api.Conversation;
import dev.llama4j.api.GenerationOptions;
import dev.llama4j.api.LlamaModel;
import dev.llama4j.api.ModelOptions;
import dev.llama4j.backend.Backends;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code llama4j chat} driven through piped input on stories260K: prompts, KV reuse, commands, exit codes. */
class ChatCommandTest {
    record Run(int exit, String out, String err) {}

    static final Pattern STATS = Pattern.compile("\\[prompt (\\d+) tokens \\((\\d+) new, (\\d+) cached\\)");

    static Run chat(String input, String... extra) {
        CommandLine cl = Main.commandLine(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> args = new ArrayList<>(List.of("chat", "-m", TestData.model("stories260K.gguf").toString(),
                "--backend", "cpu", "-t", "2", "--temperature", "0", "-n", "8"));
        args.addAll(List.of(extra));
        int exit = cl.execute(args.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    /** [prompt tokens, new, cached] of each turn, in order. */
    static List<int[]> stats(String err) {
        List<int[]> s = new ArrayList<>();
        Matcher m = STATS.matcher(err);
        while (m.find()) {
            s.add(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))});
        }
        return s;
    }

    @Test
    void turnsReuseTheCacheAndCommandsWork() {
        Run r = chat("Once upon a time\nThe dog ran.\n/system Be nice.\nHello\n/reset\nHello\n/bogus\n/exit\nnever\n");
        assertEquals(0, r.exit(), r.err());
        List<int[]> s = stats(r.err());
        assertEquals(4, s.size(), r.err());
        // turn 1: everything new; turn 2: the whole first turn comes from the cache
        assertEquals(0, s.get(0)[2]);
        assertEquals(s.get(0)[0], s.get(0)[1]);
        assertTrue(s.get(1)[2] >= s.get(0)[0], r.err());
        assertEquals(s.get(1)[0], s.get(1)[1] + s.get(1)[2]);
        // after /reset nothing is cached
        assertEquals(0, s.get(3)[2]);
        assertTrue(r.err().contains("[system prompt set]"), r.err());
        assertTrue(r.err().contains("[conversation reset]"), r.err());
        assertTrue(r.err().contains("[unknown command /bogus"), r.err());
        // eight lines were read, up to /exit ("never" is not)
        assertEquals(8, r.out().split("> ", -1).length - 1, r.out());

        // the first answer is what the API gives for the same turn
        try (LlamaModel m = LlamaModel.load(TestData.model("stories260K.gguf"),
                ModelOptions.defaults().withBackend(new Backends.Options(Backends.Choice.CPU, 2, false)));
             Conversation c = m.newConversation()) {
            String answer = c.chat("Once upon a time", GenerationOptions.greedy(8), null).text();
            assertTrue(r.out().startsWith("> " + answer + "\n> "), r.out());
        }
    }

    @Test
    void endOfInputExitsCleanly() {
        Run r = chat("Hello\n");
        assertEquals(0, r.exit(), r.err());
        assertEquals(1, stats(r.err()).size());
        assertTrue(r.out().endsWith("> \n"), r.out());
        Run empty = chat("");
        assertEquals(0, empty.exit(), empty.err());
    }

    @Test
    void oldTurnsAreDroppedWithANotice() {
        Run r = chat("Tom had a ball.\nSue had a cat.\nThe sun was hot.\nThey ran home.\nThe end.\n", "-c", "96",
                "--system", "Short.");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("[context full: dropped the oldest"), r.err());
        for (int[] t : stats(r.err())) {
            assertTrue(t[0] + 8 <= 96, r.err());
        }
    }

    @Test
    void safeAndTemplateOptions() {
        Run safe = chat("Hi\n", "--safe", "-c", "512");
        assertEquals(0, safe.exit(), safe.err());
        // the safety prompt makes the first prompt long: far more than the bare message
        assertTrue(stats(safe.err()).getFirst()[0] > 150, safe.err());
        Run bad = chat("Hi\n", "--chat-template", "nosuch");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().startsWith("error: --chat-template nosuch"), bad.err());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
        Run chatml = chat("Hi\n", "--chat-template", "chatml");
        assertEquals(0, chatml.exit(), chatml.err());
        assertTrue(chatml.err().contains("template chatml"), chatml.err());
    }
}
