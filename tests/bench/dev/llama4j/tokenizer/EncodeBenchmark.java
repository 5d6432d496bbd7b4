package dev.llama4j.tokenizer;

import dev.llama4j.llama2c.Llama2cTokenizerFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Encodes 1 MiB of English-like text (built deterministically from varied sentences), and 1 MiB of random
 * pseudo-words that rarely repeat, with the 32000-token LLaMA vocabulary ({@code ../shared/models/tokenizer.bin}). Run:
 * {@code java -cp target/test-classes:target/classes:$(cat cp.txt) dev.llama4j.tokenizer.EncodeBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class EncodeBenchmark {
    static final int BYTES = 1 << 20;

    Tokenizer tokenizer;
    String text;
    String pseudoWords;

    @Setup
    public void setup() {
        Path file = Path.of(System.getProperty("llama4j.models", "../shared/models")).resolve("tokenizer.bin");
        tokenizer = new SentencePieceBpe(Vocabulary.fromLlama2c(Llama2cTokenizerFile.open(file)));
        text = englishText(BYTES, 42);
        pseudoWords = pseudoWords(BYTES, 43);
    }

    /**
     * About {@code bytes} of random lower-case pseudo-words (2..12 letters, some capitalised, with punctuation):
     * few runs repeat, so this measures the merge loop itself rather than the per-call run cache.
     */
    static String pseudoWords(int bytes, long seed) {
        String letters = "etaoinshrdlcumwfgypbvkjxqz";
        Random rnd = new Random(seed);
        StringBuilder sb = new StringBuilder(bytes + 32);
        while (sb.length() < bytes) {
            int n = 2 + rnd.nextInt(11);
            for (int i = 0; i < n; i++) {
                char c = letters.charAt(Math.min(letters.length() - 1, (int) (Math.abs(rnd.nextGaussian()) * 7)));
                sb.append(i == 0 && rnd.nextInt(6) == 0 ? Character.toUpperCase(c) : c);
            }
            sb.append(rnd.nextInt(10) == 0 ? ". " : " ");
        }
        sb.setLength(bytes);
        return sb.toString();
    }

    /** About {@code bytes} UTF-8 bytes of sentences assembled from a fixed word list by a seeded RNG. */
    static String englishText(int bytes, long seed) {
        String[] subjects = {"The old fisherman", "A curious child", "Our neighbour's dog", "The committee",
            "Every student in the class", "My grandmother", "The small robot", "A group of tourists", "She", "They"};
        String[] verbs = {"walked slowly towards", "carefully examined", "never understood", "quickly painted",
            "wrote a long letter about", "was surprised by", "remembered", "argued loudly about", "found", "liked"};
        String[] objects = {"the lighthouse on the hill", "a broken umbrella", "the results of the experiment",
            "an unexpected message", "the quiet river near the village", "twenty-three apples", "the 1984 election",
            "their favourite recipe", "a strange noise in the attic", "the weather forecast for Tuesday"};
        String[] tails = {".", "!", "?", ", and then it started to rain.", " because nobody else would.",
            "; nobody knew why.", " (at least, that's what I heard).", ": \"It's fine,\" said Tom.", "...", "."};
        Random rnd = new Random(seed);
        StringBuilder sb = new StringBuilder(bytes + 200);
        while (sb.length() < bytes) {
            sb.append(subjects[rnd.nextInt(subjects.length)]).append(' ')
                    .append(verbs[rnd.nextInt(verbs.length)]).append(' ')
                    .append(objects[rnd.nextInt(objects.length)])
                    .append(tails[rnd.nextInt(tails.length)]);
            sb.append(rnd.nextInt(8) == 0 ? "\n\n" : " ");
        }
        sb.setLength(bytes);
        return sb.toString();
    }

    @Benchmark
    public int[] encode1MiB() {
        return tokenizer.encode(text, true);
    }

    @Benchmark
    public int[] encode1MiBPseudoWords() {
        return tokenizer.encode(pseudoWords, true);
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(EncodeBenchmark.class.getSimpleName()).build()).run();
    }
}
