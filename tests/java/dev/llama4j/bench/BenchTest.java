package dev.llama4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.TestData;
import dev.llama4j.backend.Backends;
import dev.llama4j.model.ModelFile;
import dev.llama4j.model.ModelFiles;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchTest {
    private static List<String> run(double warmUpSeconds) {
        List<String> log = new ArrayList<>();
        try (ModelFile f = ModelFiles.open(TestData.model("stories260K.gguf"))) {
            Bench.Options o = new Bench.Options(4, 4, 2, warmUpSeconds,
                    new Backends.Options(Backends.Choice.CPU, 1, false), 1);
            List<BenchResult> rs = Bench.run(f, "stories260K", o, log::add);
            assertEquals(2, rs.size());
            for (BenchResult r : rs) {
                assertEquals(2, r.samples().length, r.test() + ": the warm-up runs are not samples");
            }
        }
        return log;
    }

    private static int warmUpRuns(List<String> log, String test) {
        String prefix = test + ": warm-up done: ";
        String line = log.stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() ->
                new AssertionError("no '" + prefix + "' in " + log));
        return Integer.parseInt(line.substring(prefix.length()).split(" ")[0]);
    }

    @Test
    void zeroWarmUpRunsEachTestOnce() {
        List<String> log = run(0);
        assertEquals(1, warmUpRuns(log, "pp4"), log.toString());
        assertEquals(1, warmUpRuns(log, "tg4"), log.toString());
    }

    @Test
    void warmUpRepeatsUntilItsTimeHasPassed() {
        // A stories260K pp4 or tg4 run takes well under a millisecond once compiled (and at most a few before),
        // so half a second of warm-up is many runs.
        List<String> log = run(0.5);
        assertTrue(warmUpRuns(log, "pp4") > 5, log.toString());
        assertTrue(warmUpRuns(log, "tg4") > 5, log.toString());
    }
}
