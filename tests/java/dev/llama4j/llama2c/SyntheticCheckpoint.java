package dev.llama4j.llama2c;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small llama2.c checkpoints whose k-th float (after the header) has the value k. */
final class SyntheticCheckpoint {
    private SyntheticCheckpoint() {}

    /** Legacy header (7 ints as given, vocab negative for an unshared classifier) + {@code floats} floats. */
    static Path legacy(Path file, int[] header, long floats) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(28 + (int) floats * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int h : header) {
            b.putInt(h);
        }
        for (int k = 0; k < floats; k++) {
            b.putFloat(k);
        }
        Files.write(file, b.array());
        return file;
    }

    /** Version-1 header (magic, version, 7 ints, shared flag, padding) + {@code floats} floats. */
    static Path v1(Path file, int version, int[] header, int shared, long floats) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(256 + (int) floats * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(Llama2cCheckpoint.MAGIC_V1).putInt(version);
        for (int h : header) {
            b.putInt(h);
        }
        b.put((byte) shared);
        b.position(256);
        for (int k = 0; k < floats; k++) {
            b.putFloat(k);
        }
        Files.write(file, b.array());
        return file;
    }
}
