package dev.llama4j.bench;

/**
 * One benchmark test (pp or tg) of one model, as {@code llama4j bench} reports it. JSON field names in brackets.
 *
 * @param model               model name [model]
 * @param type                the type holding most weight bytes [type]
 * @param sizeBytes           bytes of all tensors [size_bytes]
 * @param params              number of weights [params]
 * @param backend             backend name [backend]
 * @param device              the backend's description [device]
 * @param threads             CPU threads [threads]
 * @param test                "pp512", "tg128", ... [test]
 * @param nPrompt             prompt tokens per run (0 for tg) [n_prompt]
 * @param nGen                generated tokens per run (0 for pp) [n_gen]
 * @param samples             tokens/s of each repetition, warm-up excluded [tokens_per_second.samples]
 * @param gbPerSecond         tg only: weight bytes read per token × mean tokens/s, in 1e9 bytes/s [gb_per_second]
 * @param rooflineGbPerSecond the backend's measured read bandwidth, 1e9 bytes/s, or NaN [roofline_gb_per_second]
 * @param rooflineMethod      how the roofline was measured, or null [roofline_method]
 */
public record BenchResult(String model, String type, long sizeBytes, long params, String backend, String device,
                          int threads, String test, int nPrompt, int nGen, double[] samples, double gbPerSecond,
                          double rooflineGbPerSecond, String rooflineMethod) {

    /** Repetitions measured. */
    public int reps() {
        return samples.length;
    }

    /** Mean tokens/s over the repetitions. */
    public double mean() {
        double s = 0;
        for (double v : samples) {
            s += v;
        }
        return s / samples.length;
    }

    /** Sample standard deviation of tokens/s (0 for one repetition). */
    public double stddev() {
        if (samples.length < 2) {
            return 0;
        }
        double m = mean();
        double s = 0;
        for (double v : samples) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / (samples.length - 1));
    }

    /** gbPerSecond / rooflineGbPerSecond, NaN where either is unknown. */
    public double rooflineFraction() {
        return gbPerSecond / rooflineGbPerSecond;
    }
}
