package dev.llama4j.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.tensor.Dequant;
import dev.llama4j.tensor.Tensor;
import java.io.RandomAccessFile;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A (sparse) file over 2 GiB maps whole: a tensor whose data ends past 2^31 reads back its last bytes. */
class GgufLargeFileTest {
    @TempDir
    Path tmp;

    @Test
    void tensorDataPast2GiB() throws Exception {
        long cols = 1 << 20;
        long rows = 513; // 2 GiB + 4 MiB of F32
        long bytes = cols * rows * 4;
        GgufWriter w = new GgufWriter().putString("general.architecture", "llama")
                .addTensor("small", GgmlType.F32, new long[] {8}, GgufWriter.TensorSource.of(ByteBuffer.allocate(32)))
                .addTensor("big", GgmlType.F32, new long[] {cols, rows}, out -> {
                    throw new AssertionError("written by the test");
                });
        Path p = tmp.resolve("big.gguf");
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            long dataStart = w.writeHeader(raf.getChannel());
            long bigStart = dataStart + w.tensorOffset("big");
            raf.setLength(bigStart + bytes);
            ByteBuffer tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.25f).putFloat(-7.5f)
                    .flip();
            raf.getChannel().write(tail, bigStart + bytes - 8);
            ByteBuffer head = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(3f).flip();
            raf.getChannel().write(head, bigStart);
        }
        try {
            assertTrue(Files.size(p) > (1L << 31) + (1 << 22));
            try (GgufFile f = GgufFile.open(p)) {
                Tensor big = f.tensor("big");
                assertEquals(bytes, big.data().byteSize());
                var le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                assertEquals(3f, big.data().get(le, 0));
                assertEquals(1.25f, big.data().get(le, bytes - 8));
                assertEquals(-7.5f, big.data().get(le, bytes - 4));
                // the last row, at a byte offset past 2^31, through the dequantizer
                float[] row = new float[(int) cols];
                Dequant.dequantizeRow(GgmlType.F32, big.data(), (rows - 1) * cols * 4, row, 0, (int) cols);
                assertEquals(0f, row[0]);
                assertEquals(1.25f, row[(int) cols - 2]);
                assertEquals(-7.5f, row[(int) cols - 1]);
            }
        } finally {
            Files.deleteIfExists(p);
        }
    }
}
