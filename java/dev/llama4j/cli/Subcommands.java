package dev.llama4j.cli;

import java.util.List;

/** The subcommands of {@code llama4j}, in the order the help lists them. */
final class Subcommands {
    private Subcommands() {}

    static List<Object> all() {
        return List.of(new InfoCommand(), new TokenizeCommand(), new GenerateCommand(), new BenchCommand(),
                new SynthCommand());
    }
}
