package dev.llama4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.TestData;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** {@code llama4j serve}: bad options and an occupied port are one-line errors with exit code 2. */
class ServeCommandTest {
    @Test
    void badOptionsAreOneLineErrors() {
        String model = TestData.model("stories260K.gguf").toString();
        String[][] cases = {
            {"--parallel", "0", "--parallel 0 is not allowed"},
            {"--queue", "-1", "--queue -1 is not allowed"},
            {"--port", "70000", "--port 70000 is not allowed"},
            {"--max-body", "10", "--max-body 10 is not allowed"},
            {"--api-key", " ", "--api-key must not be empty"},
        };
        for (String[] c : cases) {
            CliTest.Run r = CliTest.run("serve", "-m", model, c[0], c[1]);
            assertEquals(2, r.exit(), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("error: " + c[2]), r.err());
        }
    }

    @Test
    void occupiedPortIsAOneLineError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CliTest.Run r = CliTest.run("serve", "-m", TestData.model("stories260K.gguf").toString(), "--port",
                    String.valueOf(taken.getLocalPort()), "--threads", "1");
            assertEquals(2, r.exit(), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("error: cannot listen on 127.0.0.1:" + taken.getLocalPort()), r.err());
        }
    }
}
