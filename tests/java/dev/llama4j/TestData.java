package dev.llama4j;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the shared test data ({@code ../shared/models} beside the project root). Where the folder is missing,
 * tests that need it are skipped with a clear message; under CI ({@code CI=true}) a missing folder is a failure.
 */
public final class TestData {
    private TestData() {}

    /** The shared models folder; skips (or, under CI, fails) the calling test when it is missing. */
    public static Path models() {
        Path dir = Path.of(System.getProperty("user.dir")).resolve("../shared/models").normalize();
        if (!Files.isDirectory(dir)) {
            String msg = "shared test data not found at " + dir + " (expected ../shared/models beside the project)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(msg);
            }
            assumeTrue(false, msg);
        }
        return dir;
    }

    /** A file in the shared models folder. */
    public static Path model(String name) {
        Path p = models().resolve(name);
        if (!Files.isRegularFile(p)) {
            fail("shared test file missing: " + p);
        }
        return p;
    }

    /** A file in the shared reference folder. */
    public static Path reference(String name) {
        return model("reference/" + name);
    }
}
