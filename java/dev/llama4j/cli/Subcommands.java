package dev.llama4j.cli;

import java.util.List;

/** The subcommands of {@code llama4j}, in the order the help lists them. */
final class Subcommands {
    private Subcommands() {}

    static List<Object> all() {
        return all(System.in);
    }

    /** The subcommands, interactive ones reading {@code in}. */
    static List<Object> all(java.io.InputStream in) {
        return List.of(new InfoCommand(), new TokenizeCommand(), new GenerateCommand(), new ChatCommand(in),
                new ServeCommand(), new BenchCommand(), new SynthCommand(), new QuantizeCommand());
    }
}
