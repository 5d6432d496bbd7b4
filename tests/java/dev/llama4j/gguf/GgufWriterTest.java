package dev.llama4j.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.llama4j.TestData;
import dev.llama4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GgufWriter output reads back through GgufReader with the same metadata (values and types) and tensors. */
class GgufWriterTest {
    @TempDir
    Path tmp;

    @Test
    void copiesReadBackIdenticallyFromFileAndMemory() throws Exception {
        for (String name : List.of("stories260K-Q4_0.gguf", "quant_vectors.gguf", "ggml-vocab-llama-spm.gguf")) {
            try (GgufFile src = GgufFile.open(TestData.model(name)); Arena arena = Arena.ofConfined()) {
                Path out = tmp.resolve(name);
                GgufWriter w = copyOf(src);
                try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    writeAll(w, src, ch);
                }
                assertEquals(w.totalBytes(), Files.size(out), name);
                MemorySegment img = arena.allocate(w.totalBytes());
                writeAll(copyOf(src), src, GgufWriter.into(img));
                try (GgufFile back = GgufFile.open(out); GgufFile mem = GgufFile.of(Path.of("mem"), img)) {
                    for (GgufFile b : List.of(back, mem)) {
                        for (String k : src.metadata().keySet()) {
                            assertEquals(src.metadata().get(k), b.metadata().get(k), name + " " + k);
                            assertEquals(src.typeOf(k), b.typeOf(k), name + " " + k);
                        }
                        // the writer always records general.alignment
                        assertEquals(src.metadata().size() + (src.has(GgufReader.ALIGNMENT_KEY) ? 0 : 1),
                                b.metadata().size());
                        assertEquals(src.alignment(), b.alignment());
                        assertEquals(src.tensors().size(), b.tensors().size());
                        for (Tensor t : src.tensors()) {
                            Tensor c = b.tensor(t.name());
                            assertEquals(t.type(), c.type());
                            assertArrayEquals(t.ne(), c.ne());
                            assertEquals(-1, t.data().mismatch(c.data()), name + " " + t.name());
                        }
                    }
                    assertEquals(-1, MemorySegment.ofArray(Files.readAllBytes(out)).mismatch(img));
                }
            }
        }
    }

    private static GgufWriter copyOf(GgufFile src) {
        GgufWriter w = new GgufWriter(src.alignment());
        for (String k : src.metadata().keySet()) {
            if (!k.equals(GgufReader.ALIGNMENT_KEY)) {
                w.copy(src, k);
            }
        }
        for (Tensor t : src.tensors()) {
            w.addTensor(t.name(), t.type(), t.ne());
        }
        return w;
    }

    private static void writeAll(GgufWriter w, GgufFile src, WritableByteChannel ch) throws Exception {
        w.writeHeader(ch);
        for (Tensor t : src.tensors()) {
            w.writeData(ch, t.data().asByteBuffer());
            w.endTensor(ch);
        }
    }

    @Test
    void refusesMisuse() throws Exception {
        GgufWriter w = new GgufWriter(32);
        w.addTensor("a", GgmlType.F32, new long[] {4});
        assertThrows(IllegalStateException.class, () -> w.putU32("late", 1));
        assertThrows(IllegalArgumentException.class, () -> new GgufWriter(24));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("b", GgmlType.Q8_0, new long[] {33}));
        try (Arena arena = Arena.ofConfined()) {
            WritableByteChannel ch = GgufWriter.into(arena.allocate(w.totalBytes()));
            w.writeHeader(ch);
            assertThrows(IllegalStateException.class, () -> w.endTensor(ch));
            assertThrows(IllegalStateException.class, () -> w.writeData(ch, ByteBuffer.allocate(17)));
        }
    }
}
