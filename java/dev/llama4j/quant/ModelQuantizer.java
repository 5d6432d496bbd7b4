package dev.llama4j.quant;

import dev.llama4j.Llama4jException;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.gguf.GgufFile;
import dev.llama4j.gguf.GgufWriter;
import dev.llama4j.model.Config;
import dev.llama4j.tensor.Dequant;
import dev.llama4j.tensor.Quantize;
import dev.llama4j.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Quantizes a GGUF LLaMA model whose tensors are F32, F16 or BF16 into a new GGUF file, as {@code llama-quantize}
 * does without an importance matrix: every metadata key copied in order ({@code general.file_type} set to the mix's
 * ftype, {@code general.quantization_version} to 2), the tensors in the input's order, each matrix converted to the
 * type {@link QuantMix#typeFor} picks and every other tensor (norms, 1-D tensors) copied unchanged.
 *
 * <p>Streaming: the input is memory-mapped and each tensor is converted in chunks of whole rows
 * ({@link ParallelChunks}, several chunks in parallel), so memory stays at a few chunks whatever the model size. The
 * output bytes do not depend on the number of threads.
 */
public final class ModelQuantizer {
    private ModelQuantizer() {}

    /** One tensor of the output: its name, the input type and the type written. */
    public record Choice(String name, GgmlType from, GgmlType to, long[] ne) {}

    /** Receives progress in bytes of tensor data written. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (done, total) -> {};

        void update(long done, long total);
    }

    /**
     * The type each tensor of {@code in} gets under {@code mix}, in file order.
     *
     * @throws Llama4jException if the file has no tensors, a tensor is not F32/F16/BF16 (the file is already
     *                          quantized) or the file is not a LLaMA model
     */
    public static List<Choice> plan(GgufFile in, QuantMix mix) {
        if (in.tensors().isEmpty()) {
            throw new Llama4jException(in.path() + ": no tensors to quantize (a vocabulary-only file?)");
        }
        Config c = in.config();
        QuantMix.Model model = QuantMix.Model.of(c.nLayers(), c.nHeads(), c.nKvHeads(),
                in.findTensor("output.weight").isPresent());
        List<Choice> out = new ArrayList<>();
        for (Tensor t : in.tensors()) {
            GgmlType from = t.type();
            if (from != GgmlType.F32 && from != GgmlType.F16 && from != GgmlType.BF16) {
                throw new Llama4jException(in.path() + ": tensor '" + t.name() + "' is " + from
                        + "; quantize reads F32, F16 or BF16 tensors only (the file is already quantized?)");
            }
            GgmlType to = QuantMix.quantizable(t.name(), t.ne()) ? mix.typeFor(t.name(), t.ne(), model) : from;
            out.add(new Choice(t.name(), from, to, t.ne()));
        }
        return out;
    }

    /**
     * Writes {@code in} quantized by {@code mix} to {@code out}; a partial output is deleted when writing fails.
     *
     * @throws Llama4jException for a bad input (see {@link #plan}), {@code out} naming the input file, or a write
     *                          error (e.g. a full disk), with the file and the reason
     */
    public static List<Choice> quantize(Path in, Path out, QuantMix mix, Progress progress) {
        try (GgufFile g = GgufFile.open(in)) {
            checkDistinct(in, out);
            List<Choice> plan = plan(g, mix);
            GgufWriter w = new GgufWriter();
            for (String key : g.metadata().keySet()) {
                w.put(key, g.typeOf(key).orElseThrow(), g.metadata().get(key));
            }
            w.putUInt32("general.quantization_version", 2);
            w.putUInt32("general.file_type", mix.fileType());
            long[] done = {0};
            for (Choice ch : plan) {
                Tensor t = g.tensor(ch.name());
                GgufWriter.TensorSource copy = ch.from() == ch.to() ? GgufWriter.TensorSource.of(t) : null;
                GgufWriter.TensorSource src = ParallelChunks.source(t.rows(), t.cols(),
                        (r0, nRows, c) -> convert(t, ch.to(), r0, nRows), bytes -> {});
                w.addTensor(ch.name(), ch.to(), t.ne(), channel -> {
                    var counting = new ProgressChannel(channel, done, w.dataBytes(), progress);
                    (copy != null ? copy : src).writeTo(counting);
                });
            }
            write(w, out);
            progress.update(w.dataBytes(), w.dataBytes());
            return plan;
        }
    }

    /** Rows {@code [r0, r0 + nRows)} of {@code t} converted to {@code to}. */
    static ByteBuffer convert(Tensor t, GgmlType to, long r0, int nRows) {
        int cols = (int) t.cols();
        int n = cols * nRows;
        float[] x = new float[n];
        Dequant.dequantizeRow(t.type(), t.data(), r0 * t.rowBytes(), x, 0, n);
        byte[] b = new byte[(int) to.bytesFor(n)];
        Quantize.quantize(to, x, 0, n, MemorySegment.ofArray(b), 0);
        return ByteBuffer.wrap(b);
    }

    private static void checkDistinct(Path in, Path out) {
        try {
            boolean same = Files.exists(out) ? Files.isSameFile(in, out)
                    : in.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize());
            if (same) {
                throw new Llama4jException("output " + out + " is the input file; give another path");
            }
        } catch (IOException e) {
            throw new Llama4jException(out + ": cannot compare with " + in + ": " + e.getMessage(), e);
        }
    }

    private static void write(GgufWriter w, Path out) {
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            w.writeTo(ch);
        } catch (IOException | RuntimeException e) {
            try {
                if (Files.isRegularFile(out)) {
                    Files.delete(out);
                }
            } catch (IOException ignored) {
                // the write error is the one to report
            }
            if (e instanceof IOException io) {
                throw new Llama4jException(out + ": cannot write: " + describe(io), io);
            }
            throw (RuntimeException) e;
        }
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** Passes writes through, counting the bytes for the progress callback. */
    private record ProgressChannel(java.nio.channels.WritableByteChannel ch, long[] done, long total,
                                   Progress progress) implements java.nio.channels.WritableByteChannel {
        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = ch.write(src);
            done[0] += n;
            progress.update(done[0], total);
            return n;
        }

        @Override
        public boolean isOpen() {
            return ch.isOpen();
        }

        @Override
        public void close() {}
    }
}
