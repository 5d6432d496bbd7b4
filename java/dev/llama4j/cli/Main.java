package dev.llama4j.cli;

import dev.llama4j.Llama4jException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code llama4j} command line: one subcommand per job. */
@Command(
        name = "llama4j",
        mixinStandardHelpOptions = true,
        version = "llama4j 0.1.0",
        description = "Run LLaMA-2-family language models on the JVM (CPU and CUDA).",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code for bad input (a file, tensor, field or parameter the user gave). */
    public static final int EXIT_BAD_INPUT = 2;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces with errors.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Builds the command line with every subcommand and the one-line error handling. */
    public static CommandLine commandLine() {
        return commandLine(System.in);
    }

    /** {@link #commandLine()} with interactive commands ({@code chat}) reading {@code in}. */
    public static CommandLine commandLine(java.io.InputStream in) {
        CommandLine cl = new CommandLine(new Main());
        for (Object sub : Subcommands.all(in)) {
            cl.addSubcommand(sub);
        }
        cl.setExecutionExceptionHandler(Main::handleError);
        return cl;
    }

    private static int handleError(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        boolean verbose = parsed.hasMatchedOption("--verbose")
                || (parsed.subcommand() != null && parsed.subcommand().hasMatchedOption("--verbose"));
        if (e instanceof Llama4jException || e instanceof java.io.IOException) {
            err.println("error: " + e.getMessage());
            if (verbose) {
                e.printStackTrace(err);
            }
            err.flush();
            return EXIT_BAD_INPUT;
        }
        err.println("internal error: " + e);
        if (verbose) {
            e.printStackTrace(err);
        } else {
            err.println("(run with --verbose for the stack trace)");
        }
        err.flush();
        return 1;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
