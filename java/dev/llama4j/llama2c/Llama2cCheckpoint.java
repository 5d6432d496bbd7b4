package dev.llama4j.llama2c;

import dev.llama4j.gguf.GgmlType;
import dev.llama4j.model.Config;
import dev.llama4j.model.ModelFileException;
import dev.llama4j.model.TensorNames;
import dev.llama4j.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * A llama2.c checkpoint, memory-mapped read-only. Two layouts are understood:
 * <ul>
 *   <li>legacy ({@link #version()} 0): 7 little-endian int32 {@code dim, hidden_dim, n_layers, n_heads,
 *       n_kv_heads, vocab_size, seq_len} (a negative {@code vocab_size} means an unshared classifier follows),
 *       then float32 arrays: token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, two unused
 *       {@code freq_cis} arrays of {@code seq_len * head_size / 2} floats, and {@code wcls} if not shared;</li>
 *   <li>version 1: uint32 magic {@code 0x616b3432} ("ak42"), int32 version 1, the same 7 int32, uint8
 *       {@code shared_classifier}, zero padding to byte 256; then float32 rms_att, rms_ffn, rms_final,
 *       token_embedding, wq, wk, wv, wo, w1, w2, w3 (each for all layers) and {@code wcls} if not shared.</li>
 * </ul>
 * Tensors are exposed as F32 {@link Tensor}s named by {@link TensorNames} with ggml shapes ({@code ne[0]} = row
 * length), e.g. {@code wq[dim][dim]} becomes {@code blk.N.attn_q.weight} with {@code ne = [dim, dim]} and
 * {@code w2[dim][hidden]} becomes {@code blk.N.ffn_down.weight} with {@code ne = [hidden, dim]}.
 * The file size must equal the size the header implies exactly.
 */
public final class Llama2cCheckpoint implements AutoCloseable {
    /** "ak42" read as a little-endian uint32. */
    public static final int MAGIC_V1 = 0x616b3432;
    static final int LEGACY_HEADER_BYTES = 7 * 4;
    static final int V1_HEADER_BYTES = 256;
    /** RoPE base and RMSNorm epsilon are fixed in llama2.c. */
    public static final float ROPE_THETA = 10000f;
    public static final float RMS_EPS = 1e-5f;

    private final Path file;
    private final int version;
    private final boolean sharedClassifier;
    private final Config config;
    private final Arena arena;
    private final Map<String, Tensor> tensors;

    private Llama2cCheckpoint(Path file, int version, boolean sharedClassifier, Config config, Arena arena,
                              Map<String, Tensor> tensors) {
        this.file = file;
        this.version = version;
        this.sharedClassifier = sharedClassifier;
        this.config = config;
        this.arena = arena;
        this.tensors = tensors;
    }

    /**
     * Opens and validates a checkpoint.
     *
     * @throws ModelFileException if the file cannot be read, is too short, has a bad version or header value, or
     *                            its size differs from what the header implies
     */
    public static Llama2cCheckpoint open(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < LEGACY_HEADER_BYTES) {
                throw new ModelFileException(file, "file too short for the llama2.c header: " + size
                        + " bytes, need at least " + LEGACY_HEADER_BYTES);
            }
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, V1_HEADER_BYTES))
                    .order(ByteOrder.LITTLE_ENDIAN);
            while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
                // read the whole header
            }
            head.flip();
            Header h = Header.parse(file, head, size);
            Layout layout;
            try {
                layout = Layout.of(h);
            } catch (ArithmeticException e) {
                throw new ModelFileException(file, "the tensor sizes implied by the header overflow", e);
            }
            long expected = layout.end();
            if (expected != size) {
                throw new ModelFileException(file, "file size does not match the header: expected " + expected
                        + " bytes, actual " + size + " bytes");
            }
            Arena arena = Arena.ofShared();
            try {
                MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                Map<String, Tensor> map = new LinkedHashMap<>();
                for (Layout.Entry e : layout.entries()) {
                    MemorySegment data = all.asSlice(e.offset(), e.bytes());
                    map.put(e.name(), new Tensor(e.name(), GgmlType.F32, e.ne(), data));
                }
                return new Llama2cCheckpoint(file, h.version, h.shared, h.config, arena,
                        Collections.unmodifiableMap(map));
            } catch (RuntimeException | IOException e) {
                arena.close();
                throw e;
            }
        } catch (IOException e) {
            throw new ModelFileException(file, "cannot read: " + e, e);
        }
    }

    /** The checkpoint file. */
    public Path file() {
        return file;
    }

    /** Validated hyperparameters ({@code ropeDim} = head size, theta 10000, epsilon 1e-5). */
    public Config config() {
        return config;
    }

    /** 0 for the legacy layout, 1 for the "ak42" version-1 layout. */
    public int version() {
        return version;
    }

    /** Whether the classifier is the token embedding (no {@code output.weight} tensor). */
    public boolean sharedClassifier() {
        return sharedClassifier;
    }

    /** All tensors, token embedding first, then per layer, then the final norm and (if any) the classifier. */
    public List<Tensor> tensors() {
        return List.copyOf(tensors.values());
    }

    /**
     * The tensor with this GGUF name.
     *
     * @throws ModelFileException if there is none
     */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new ModelFileException(file, "no tensor named " + name);
        }
        return t;
    }

    /** Whether a tensor with this GGUF name exists. */
    public boolean hasTensor(String name) {
        return tensors.containsKey(name);
    }

    /** Unmaps the file; tensors must not be used afterwards. */
    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return "llama2.c checkpoint " + file + " (version " + version + ", " + config + ")";
    }

    /** The header fields, validated. */
    private record Header(int version, boolean shared, Config config, long headerBytes) {
        static Header parse(Path file, ByteBuffer b, long size) {
            int version = 0;
            int base = 0;
            long headerBytes = LEGACY_HEADER_BYTES;
            if (b.getInt(0) == MAGIC_V1) {
                if (size < V1_HEADER_BYTES) {
                    throw new ModelFileException(file, "file too short for the llama2.c version-1 header: " + size
                            + " bytes, need at least " + V1_HEADER_BYTES);
                }
                version = b.getInt(4);
                if (version != 1) {
                    throw new ModelFileException(file, "version = " + version
                            + " is not supported (magic \"ak42\" files must have version 1)");
                }
                base = 8;
                headerBytes = V1_HEADER_BYTES;
            }
            int dim = b.getInt(base);
            int hidden = b.getInt(base + 4);
            int layers = b.getInt(base + 8);
            int heads = b.getInt(base + 12);
            int kvHeads = b.getInt(base + 16);
            long vocab = b.getInt(base + 20);
            int seqLen = b.getInt(base + 24);
            boolean shared;
            long rawVocab = vocab;
            if (version == 0) {
                shared = vocab > 0;
                vocab = Math.abs(vocab);
            } else {
                int flag = b.get(base + 28) & 0xff;
                if (flag > 1) {
                    throw new ModelFileException(file, "shared_classifier = " + flag + " is out of range (allowed: 0 or 1)");
                }
                shared = flag == 1;
                if (vocab <= 0) {
                    throw new ModelFileException(file, "vocab_size = " + vocab
                            + " is out of range (a version-1 file stores it positive)");
                }
            }
            if (vocab > Integer.MAX_VALUE) {
                throw new ModelFileException(file, "vocab_size = " + rawVocab + " is out of range");
            }
            int headSize = heads > 0 ? dim / heads : 0;
            Config config;
            try {
                config = new Config(dim, hidden, layers, heads, kvHeads, (int) vocab, seqLen, headSize,
                        ROPE_THETA, RMS_EPS);
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(file, "header field " + fieldOf(e.getMessage()) + ": "
                        + e.getMessage(), e);
            }
            return new Header(version, shared, config, headerBytes);
        }

        /** The llama2.c header field that a {@link Config} key comes from. */
        private static String fieldOf(String message) {
            String[][] keys = {
                {Config.DIM, "dim"}, {Config.HIDDEN_DIM, "hidden_dim"}, {Config.N_LAYERS, "n_layers"},
                {Config.N_KV_HEADS, "n_kv_heads"}, {Config.N_HEADS, "n_heads"}, {Config.VOCAB_SIZE, "vocab_size"},
                {Config.CONTEXT_LENGTH, "seq_len"}, {Config.ROPE_DIM, "dim/n_heads (head size)"},
            };
            for (String[] k : keys) {
                if (message.startsWith(k[0] + " ")) {
                    return k[1];
                }
            }
            return "?";
        }
    }

    /** Where each array lies in the file, in file order; offsets computed with overflow checks. */
    private record Layout(List<Entry> entries, long end) {
        record Entry(String name, long[] ne, long offset, long bytes) {}

        static Layout of(Header h) {
            Config c = h.config;
            long dim = c.dim();
            long hidden = c.hiddenDim();
            long kvDim = c.kvDim();
            long vocab = c.vocabSize();
            int layers = c.nLayers();
            Builder b = new Builder(h.headerBytes);
            if (h.version == 0) {
                b.one(TensorNames.TOKEN_EMBD, dim, vocab);
                b.layers(layers, TensorNames::attnNorm, dim);
                b.layers(layers, TensorNames::attnQ, dim, dim);
                b.layers(layers, TensorNames::attnK, dim, kvDim);
                b.layers(layers, TensorNames::attnV, dim, kvDim);
                b.layers(layers, TensorNames::attnOutput, dim, dim);
                b.layers(layers, TensorNames::ffnNorm, dim);
                b.layers(layers, TensorNames::ffnGate, dim, hidden);
                b.layers(layers, TensorNames::ffnDown, hidden, dim);
                b.layers(layers, TensorNames::ffnUp, dim, hidden);
                b.one(TensorNames.OUTPUT_NORM, dim);
                // two unused freq_cis arrays (real and imaginary), seq_len * head_size / 2 floats each
                b.skip(Math.multiplyExact(Math.multiplyExact((long) c.contextLength(), c.headSize()) / 2, 2L * 4));
            } else {
                b.layers(layers, TensorNames::attnNorm, dim);
                b.layers(layers, TensorNames::ffnNorm, dim);
                b.one(TensorNames.OUTPUT_NORM, dim);
                b.one(TensorNames.TOKEN_EMBD, dim, vocab);
                b.layers(layers, TensorNames::attnQ, dim, dim);
                b.layers(layers, TensorNames::attnK, dim, kvDim);
                b.layers(layers, TensorNames::attnV, dim, kvDim);
                b.layers(layers, TensorNames::attnOutput, dim, dim);
                b.layers(layers, TensorNames::ffnGate, dim, hidden);
                b.layers(layers, TensorNames::ffnDown, hidden, dim);
                b.layers(layers, TensorNames::ffnUp, dim, hidden);
            }
            if (!h.shared) {
                b.one(TensorNames.OUTPUT, dim, vocab);
            }
            return new Layout(order(b.entries, layers, h.shared), b.offset);
        }

        /** Exposed order: token_embd, per layer (attn_norm, q, k, v, o, ffn_norm, gate, down, up), norm, output. */
        private static List<Entry> order(List<Entry> entries, int layers, boolean shared) {
            Map<String, Entry> byName = new LinkedHashMap<>();
            entries.forEach(e -> byName.put(e.name, e));
            List<Entry> out = new ArrayList<>(entries.size());
            out.add(byName.get(TensorNames.TOKEN_EMBD));
            for (int l = 0; l < layers; l++) {
                for (IntFunction<String> f : List.<IntFunction<String>>of(TensorNames::attnNorm, TensorNames::attnQ,
                        TensorNames::attnK, TensorNames::attnV, TensorNames::attnOutput, TensorNames::ffnNorm,
                        TensorNames::ffnGate, TensorNames::ffnDown, TensorNames::ffnUp)) {
                    out.add(byName.get(f.apply(l)));
                }
            }
            out.add(byName.get(TensorNames.OUTPUT_NORM));
            if (!shared) {
                out.add(byName.get(TensorNames.OUTPUT));
            }
            return out;
        }

        private static final class Builder {
            final List<Entry> entries = new ArrayList<>();
            long offset;

            Builder(long start) {
                offset = start;
            }

            void one(String name, long... ne) {
                long n = 1;
                for (long d : ne) {
                    n = Math.multiplyExact(n, d);
                }
                long bytes = Math.multiplyExact(n, 4L);
                entries.add(new Entry(name, ne, offset, bytes));
                offset = Math.addExact(offset, bytes);
            }

            void layers(int layers, IntFunction<String> name, long... ne) {
                for (int l = 0; l < layers; l++) {
                    one(name.apply(l), ne);
                }
            }

            void skip(long bytes) {
                offset = Math.addExact(offset, bytes);
            }
        }
    }
}
