package dev.llama4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.TestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A JVM started without {@code --add-modules jdk.incubator.vector} (as an application embedding the engine may be)
 * runs the scalar reference with one warning naming the flag, and generates the same text as the vector path.
 */
class NoVectorApiTest {
    private record Result(int exit, String out, String err) {}

    private static Result run(boolean vectors, String... args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        if (vectors) {
            cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void withoutTheModuleTheScalarPathRunsAfterOneWarning() throws Exception {
        String model = TestData.model("stories260K-Q4_0.gguf").toString();
        String[] args = {"generate", "-m", model, "-p", "Once upon a time", "-n", "24", "--temperature", "0",
                "--activations", "f32"};
        Result scalar = run(false, args);
        assertEquals(0, scalar.exit(), scalar.err());
        long warnings = scalar.err().lines().filter(l -> l.contains("--add-modules jdk.incubator.vector")).count();
        assertTrue(warnings >= 1, scalar.err());
        assertTrue(scalar.err().lines().filter(l -> l.contains("WARN")).count() == 1, scalar.err());
        assertFalse(scalar.err().contains("Exception"), scalar.err());
        Result vector = run(true, args);
        assertEquals(0, vector.exit(), vector.err());
        assertTrue(scalar.out().startsWith("Once upon a time"), scalar.out());
        assertEquals(vector.out(), scalar.out(), "same tokens on the scalar reference and the vector f32 path");
    }
}
