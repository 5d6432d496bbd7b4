package dev.llama4j.bench;

import dev.llama4j.Llama4jException;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.gguf.GgufWriter;
import dev.llama4j.model.Config;
import dev.llama4j.model.TensorNames;
import dev.llama4j.tensor.Quantize;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Synthetic LLaMA models: a real GGUF v3 file with a given {@link Shape}, random weights in one tensor type and
 * complete metadata, written in one streaming pass (tensor infos first, then each tensor generated and quantized in
 * chunks of about 2^20 weights, a few chunks in parallel), so memory stays at a few chunks whatever the model size.
 *
 * <p>Weights: matrices (including {@code token_embd} and {@code output}) 0.02·g, norms 1 + 0.02·g, where g is an
 * approximately standard normal number (a centred, scaled sum of four 16-bit uniforms) drawn from a SplitMix64
 * stream seeded by (seed, tensor index, chunk index): the same seed gives the same bytes. Norms are F32; every
 * matrix has the requested type, quantized by {@link Quantize}.
 */
public final class Synth {
    private Synth() {}

    /** What to synthesise: {@code context} 0 means the shape's default. */
    public record Spec(Shape shape, GgmlType type, long seed, int context, Path vocabFrom) {
        public Spec {
            if (!Quantize.supports(type)) {
                throw new Llama4jException("--type " + type + " is not supported (allowed: F32, F16, BF16, Q8_0, Q4_0)");
            }
            if (type.blockSize() > 1 && (shape.dim() % type.blockSize() != 0 || shape.ffn() % type.blockSize() != 0)) {
                throw new Llama4jException("shape " + shape.name() + ": dim " + shape.dim() + " and ffn " + shape.ffn()
                        + " must be multiples of " + type.blockSize() + " for " + type);
            }
            if (context < 0) {
                throw new Llama4jException("--context " + context + " must be >= 0 (0 = the shape's default)");
            }
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

    /** ggml's LLAMA_FTYPE number for a model whose matrices are all {@code type}. */
    public static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("no file type for " + type);
        };
    }

    /** The header: metadata and tensor infos, in file order. */
    public static GgufWriter layout(Spec spec, Progress progress) {
        Shape s = spec.shape();
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "llama");
        w.putString("general.name", "synthetic " + s.name() + " " + spec.type());
        w.putUInt32("general.file_type", fileType(spec.type()));
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

        GgmlType m = spec.type();
        int d = s.dim();
        Tensors t = new Tensors(w, spec, progress);
        t.add(TensorNames.TOKEN_EMBD, m, d, s.vocab());
        t.add(TensorNames.OUTPUT_NORM, GgmlType.F32, d, 0);
        t.add(TensorNames.OUTPUT, m, d, s.vocab());
        for (int l = 0; l < s.layers(); l++) {
            t.add(TensorNames.attnNorm(l), GgmlType.F32, d, 0);
            t.add(TensorNames.attnQ(l), m, d, d);
            t.add(TensorNames.attnK(l), m, d, s.kvDim());
            t.add(TensorNames.attnV(l), m, d, s.kvDim());
            t.add(TensorNames.attnOutput(l), m, d, d);
            t.add(TensorNames.ffnNorm(l), GgmlType.F32, d, 0);
            t.add(TensorNames.ffnGate(l), m, d, s.ffn());
            t.add(TensorNames.ffnDown(l), m, s.ffn(), d);
            t.add(TensorNames.ffnUp(l), m, d, s.ffn());
        }
        return w;
    }

    /** Adds tensors whose data is generated (and quantized) chunk by chunk while the file is written. */
    private static final class Tensors {
        private final GgufWriter w;
        private final Spec spec;
        private final Progress progress;
        private final long[] done = {0};
        private int index;

        Tensors(GgufWriter w, Spec spec, Progress progress) {
            this.w = w;
            this.spec = spec;
            this.progress = progress;
        }

        /** A matrix of {@code rows} rows of {@code cols}, or a norm vector of {@code cols} when rows is 0. */
        void add(String name, GgmlType type, int cols, int rows) {
            int tensorIndex = index++;
            long[] ne = rows == 0 ? new long[] {cols} : new long[] {cols, rows};
            w.addTensor(name, type, ne, ch -> writeTensor(ch, type, cols, Math.max(rows, 1), rows == 0,
                    tensorIndex));
        }

        private void writeTensor(WritableByteChannel ch, GgmlType type, int cols, long rows, boolean norm,
                                 int tensorIndex) throws IOException {
            int par = Math.max(1, Runtime.getRuntime().availableProcessors());
            int rowsPerChunk = Math.max(1, CHUNK / cols);
            int chunks = (int) ((rows + rowsPerChunk - 1) / rowsPerChunk);
            for (int c0 = 0; c0 < chunks; c0 += par) {
                int n = Math.min(par, chunks - c0);
                int first = c0;
                ByteBuffer[] out = new ByteBuffer[n];
                IntStream.range(0, n).parallel().forEach(k -> {
                    long r0 = (long) (first + k) * rowsPerChunk;
                    int nRows = (int) Math.min(rowsPerChunk, rows - r0);
                    out[k] = chunk(type, cols * nRows, norm, spec.seed(), tensorIndex, first + k);
                });
                for (ByteBuffer b : out) {
                    done[0] += b.remaining();
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                }
                progress.update(done[0], w.dataBytes());
            }
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

    private static final int CHUNK = 1 << 20;

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
