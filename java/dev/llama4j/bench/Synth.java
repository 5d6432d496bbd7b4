package dev.llama4j.bench;

import dev.llama4j.Llama4jException;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.gguf.GgufWriter;
import dev.llama4j.model.Config;
import dev.llama4j.model.TensorNames;
import dev.llama4j.quant.ParallelChunks;
import dev.llama4j.quant.QuantMix;
import dev.llama4j.tensor.Quantize;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Synthetic LLaMA models: a real GGUF v3 file with a given {@link Shape}, random weights quantized as a
 * {@link QuantMix} says (one type for every matrix, or llama.cpp's Q4_K_M / Q5_K_M choices) and complete metadata,
 * written in one streaming pass (tensor infos first, then each tensor generated and quantized in chunks of about 2^20
 * weights, a few chunks in parallel), so memory stays at a few chunks whatever the model size.
 *
 * <p>Weights: matrices (including {@code token_embd} and {@code output}) 0.02·g, norms 1 + 0.02·g, where g is an
 * approximately standard normal number (a centred, scaled sum of four 16-bit uniforms) drawn from a SplitMix64
 * stream seeded by (seed, tensor index, chunk index): the same seed gives the same bytes. Norms are F32; each
 * matrix has the type {@link QuantMix#typeFor} gives it, quantized by {@link Quantize}.
 */
public final class Synth {
    private Synth() {}

    /** What to synthesise: {@code context} 0 means the shape's default. */
    public record Spec(Shape shape, QuantMix mix, long seed, int context, Path vocabFrom) {
        public Spec {
            int block = mix.base().blockSize();
            if (block > 1 && (shape.dim() % block != 0 || shape.ffn() % block != 0)) {
                throw new Llama4jException("shape " + shape.name() + ": dim " + shape.dim() + " and ffn " + shape.ffn()
                        + " must be multiples of " + block + " for " + mix);
            }
            if (context < 0) {
                throw new Llama4jException("--context " + context + " must be >= 0 (0 = the shape's default)");
            }
        }

        /** Every matrix of one type. */
        public Spec(Shape shape, GgmlType type, long seed, int context, Path vocabFrom) {
            this(shape, QuantMix.of(type), seed, context, vocabFrom);
        }

        /** The context length written to the file. */
        public int contextLength() {
            return context > 0 ? context : shape.name().startsWith("llama2-") ? 4096 : 2048;
        }
    }

    /** Receives progress in bytes written. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (done, total) -> {};

        void update(long done, long total);
    }

    /** The header: metadata and tensor infos, in file order. */
    public static GgufWriter layout(Spec spec, Progress progress) {
        Shape s = spec.shape();
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "llama");
        w.putString("general.name", "synthetic " + s.name() + " " + spec.mix());
        w.putUInt32("general.file_type", spec.mix().fileType());
        w.putUInt32("general.quantization_version", 2);
        w.putUInt32(Config.CONTEXT_LENGTH, spec.contextLength());
        w.putUInt32(Config.DIM, s.dim());
        w.putUInt32(Config.N_LAYERS, s.layers());
        w.putUInt32(Config.HIDDEN_DIM, s.ffn());
        w.putUInt32(Config.ROPE_DIM, s.dim() / s.heads());
        w.putUInt32(Config.N_HEADS, s.heads());
        w.putUInt32(Config.N_KV_HEADS, s.kvHeads());
        w.putFloat32(Config.RMS_EPS, 1e-5f);
        w.putFloat32(Config.ROPE_THETA, 10000f);
        w.putUInt32(Config.VOCAB_SIZE, s.vocab());
        SynthVocab.write(w, spec.vocabFrom(), s.vocab());

        int d = s.dim();
        Tensors t = new Tensors(w, spec, progress, QuantMix.Model.of(s.layers(), s.heads(), s.kvHeads(), true));
        t.add(TensorNames.TOKEN_EMBD, d, s.vocab());
        t.add(TensorNames.OUTPUT_NORM, d, 0);
        t.add(TensorNames.OUTPUT, d, s.vocab());
        for (int l = 0; l < s.layers(); l++) {
            t.add(TensorNames.attnNorm(l), d, 0);
            t.add(TensorNames.attnQ(l), d, d);
            t.add(TensorNames.attnK(l), d, s.kvDim());
            t.add(TensorNames.attnV(l), d, s.kvDim());
            t.add(TensorNames.attnOutput(l), d, d);
            t.add(TensorNames.ffnNorm(l), d, 0);
            t.add(TensorNames.ffnGate(l), d, s.ffn());
            t.add(TensorNames.ffnDown(l), s.ffn(), d);
            t.add(TensorNames.ffnUp(l), d, s.ffn());
        }
        return w;
    }

    /** Adds tensors whose data is generated (and quantized) chunk by chunk while the file is written. */
    private static final class Tensors {
        private final GgufWriter w;
        private final Spec spec;
        private final Progress progress;
        private final QuantMix.Model model;
        private final long[] done = {0};
        private int index;

        Tensors(GgufWriter w, Spec spec, Progress progress, QuantMix.Model model) {
            this.w = w;
            this.spec = spec;
            this.progress = progress;
            this.model = model;
        }

        /** A matrix of {@code rows} rows of {@code cols} (its type from the mix), or an F32 norm when rows is 0. */
        void add(String name, int cols, int rows) {
            int tensorIndex = index++;
            boolean norm = rows == 0;
            long[] ne = norm ? new long[] {cols} : new long[] {cols, rows};
            GgmlType type = norm ? GgmlType.F32 : spec.mix().typeFor(name, ne, model);
            w.addTensor(name, type, ne, ParallelChunks.source(Math.max(rows, 1), cols,
                    (r0, nRows, c) -> chunk(type, cols * nRows, norm, spec.seed(), tensorIndex, c),
                    bytes -> progress.update(done[0] += bytes, w.dataBytes())));
        }
    }

    /** Writes the model to {@code out} (replacing it). */
    public static void toFile(Spec spec, Path out, Progress progress) {
        GgufWriter w = layout(spec, progress);
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            write(spec, w, ch, progress);
        } catch (IOException e) {
            throw new Llama4jException(out + ": cannot write: " + e.getMessage(), e);
        }
    }

    /** Builds the GGUF image in an off-heap segment of {@code arena} (for {@code GgufFile.of}). */
    public static MemorySegment inMemory(Spec spec, Arena arena, Progress progress) {
        GgufWriter w = layout(spec, progress);
        MemorySegment seg = arena.allocate(w.totalBytes(), 64);
        try {
            write(spec, w, GgufWriter.into(seg), progress);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return seg;
    }

    private static void write(Spec spec, GgufWriter w, WritableByteChannel ch, Progress progress) throws IOException {
        w.writeTo(ch);
        progress.update(w.dataBytes(), w.dataBytes());
    }

    /** One chunk of {@code n} weights, generated and quantized. */
    private static ByteBuffer chunk(GgmlType type, int n, boolean norm, long seed, int tensor, int chunk) {
        float[] x = new float[n];
        long state = mix(mix(seed ^ 0x5851F42D4C957F2DL) + tensor * 0x9E3779B97F4A7C15L + chunk);
        float scale = 0.02f;
        float base = norm ? 1f : 0f;
        for (int i = 0; i < n; i++) {
            state += 0x9E3779B97F4A7C15L;
            long r = mix(state);
            int sum = (int) (r & 0xFFFF) + (int) (r >>> 16 & 0xFFFF) + (int) (r >>> 32 & 0xFFFF) + (int) (r >>> 48);
            // sum of four uniforms on [0, 65536): mean 131070, variance 4·(65536²−1)/12
            float g = (sum - 131070f) * (float) (Math.sqrt(3.0) / 65536.0);
            x[i] = base + scale * g;
        }
        byte[] b = new byte[(int) type.bytesFor(n)];
        Quantize.quantize(type, x, 0, n, MemorySegment.ofArray(b), 0);
        return ByteBuffer.wrap(b);
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
