package dev.llama4j.api;

import dev.llama4j.bench.Shape;
import dev.llama4j.bench.Synth;
import dev.llama4j.gguf.GgmlType;
import dev.llama4j.gguf.GgufFile;
import dev.llama4j.gguf.GgufWriter;
import dev.llama4j.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/**
 * A tiny LLaMA model whose matrices are K-quants, the same bytes on every run, for comparing the K-quant decode
 * path with llama.cpp: {@link Synth}'s model of {@link #SHAPE} (its metadata, vocabulary and F32 norms), every
 * matrix replaced by seeded random K-quant blocks, mixed as a Q4_K_M file mixes them: {@code output} and layer 0's
 * {@code ffn_down} Q6_K, the {@code attn_v} and layer 1's {@code ffn_down} Q5_K, the rest Q4_K. Block scales are
 * chosen so that weights are centred near 0 and about 0.05 in size: Q4_K {@code d = 2e-4, dmin = 7.5·d}, Q5_K
 * {@code d = 1e-4, dmin = 15.5·d} (the mean of {@code sc·q} over the mean of {@code m}), Q6_K {@code d = 1.5e-5}
 * ({@code output}: 1e-4, so that logits spread over a few units).
 *
 * <p>{@code main(path)} writes it, to run llama.cpp on (the reference values in {@code KQuantReferenceTest}).
 */
final class KQuantModel {
    private KQuantModel() {}

    static final String SHAPE = "custom:dim=256,ffn=512,layers=2,heads=4,kv_heads=2,vocab=300";
    /** The classifier's seed; its blocks get a larger scale so that logits spread over a few units. */
    private static final long OUTPUT_SEED = 999;

    /** The model as a GGUF image in memory of {@code arena}. */
    static GgufFile build(Arena arena) {
        GgufWriter w = writer(arena);
        MemorySegment image = arena.allocate(w.totalBytes(), 64);
        try {
            w.writeTo(GgufWriter.into(image));
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return GgufFile.of(Path.of("kquant-tiny.gguf"), image);
    }

    private static GgufWriter writer(Arena arena) {
        MemorySegment base = Synth.inMemory(new Synth.Spec(Shape.parse(SHAPE), GgmlType.F32, 7, 0, null), arena,
                Synth.Progress.NONE);
        GgufFile src = GgufFile.of(Path.of("synthetic"), base);
        GgufWriter w = new GgufWriter();
        for (Map.Entry<String, Object> e : src.metadata().entrySet()) {
            w.put(e.getKey(), src.typeOf(e.getKey()).orElseThrow(), e.getValue());
        }
        w.putString("general.name", "kquant-tiny");
        w.putUInt32("general.file_type", 15); // LLAMA_FTYPE_MOSTLY_Q4_K_M
        int index = 0;
        for (Tensor t : src.tensors()) {
            if (t.ne().length == 1) {
                byte[] b = t.data().toArray(ValueLayout.JAVA_BYTE);
                w.addTensor(t.name(), t.type(), t.ne(), GgufWriter.TensorSource.of(ByteBuffer.wrap(b)));
                continue;
            }
            GgmlType type = typeOf(t.name());
            long rows = t.ne()[1];
            long bytes = type.bytesFor(t.ne()[0]) * rows;
            long seed = t.name().equals("output.weight") ? OUTPUT_SEED : 1000 + index;
            index++;
            w.addTensor(t.name(), type, t.ne(), GgufWriter.TensorSource.of(blocks(type, bytes, seed)));
        }
        return w;
    }

    private static GgmlType typeOf(String name) {
        if (name.equals("output.weight") || name.equals("blk.0.ffn_down.weight")) {
            return GgmlType.Q6_K;
        }
        if (name.endsWith("attn_v.weight") || name.equals("blk.1.ffn_down.weight")) {
            return GgmlType.Q5_K;
        }
        return GgmlType.Q4_K;
    }

    /** {@code bytes} of random blocks of {@code type} with the scales above. */
    private static ByteBuffer blocks(GgmlType type, long bytes, long seed) {
        byte[] b = new byte[(int) bytes];
        new Random(seed).nextBytes(b);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (int o = 0; o < b.length; o += type.typeSize()) {
            switch (type) {
                case Q4_K -> {
                    bb.putShort(o, Float.floatToFloat16(2e-4f));
                    bb.putShort(o + 2, Float.floatToFloat16(7.5f * 2e-4f));
                }
                case Q5_K -> {
                    bb.putShort(o, Float.floatToFloat16(1e-4f));
                    bb.putShort(o + 2, Float.floatToFloat16(15.5f * 1e-4f));
                }
                default -> bb.putShort(o + 208, Float.floatToFloat16(seed == OUTPUT_SEED ? 1e-4f : 1.5e-5f));
            }
        }
        return bb;
    }

    /** Writes the model to {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            writer(arena).write(Path.of(args[0]));
        }
    }
}
