package dev.llama4j.bench;

import dev.llama4j.Llama4jException;
import dev.llama4j.model.Config;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The hyperparameters of a LLaMA-family model without its weights: a named shape ({@code llama2-7b},
 * {@code llama2-13b}, {@code llama2-70b}, {@code tinyllama-1.1b}) or {@code custom:dim=..,ffn=..,layers=..,heads=..,
 * kv_heads=..,vocab=..}.
 */
public record Shape(String name, int dim, int ffn, int layers, int heads, int kvHeads, int vocab) {

    /** The named shapes, by name. */
    public static final Map<String, Shape> NAMED = named();

    private static Map<String, Shape> named() {
        Map<String, Shape> m = new LinkedHashMap<>();
        for (Shape s : new Shape[] {
                new Shape("llama2-7b", 4096, 11008, 32, 32, 32, 32000),
                new Shape("llama2-13b", 5120, 13824, 40, 40, 40, 32000),
                new Shape("llama2-70b", 8192, 28672, 80, 64, 8, 32000),
                new Shape("tinyllama-1.1b", 2048, 5632, 22, 32, 4, 32000)}) {
            m.put(s.name, s);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    public Shape {
        try {
            new Config(dim, ffn, layers, heads, kvHeads, vocab, 1, 2, 10000f, 1e-5f);
        } catch (IllegalArgumentException e) {
            throw new Llama4jException("shape " + name + ": " + e.getMessage());
        }
        if ((dim / heads) % 2 != 0) {
            throw new Llama4jException("shape " + name + ": head size dim/heads = " + dim / heads
                    + " must be even (RoPE rotates pairs)");
        }
    }

    /** Parses a shape name or a {@code custom:...} spec; errors list what is allowed. */
    public static Shape parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        Shape named = NAMED.get(s);
        if (named != null) {
            return named;
        }
        if (!s.startsWith("custom:")) {
            throw new Llama4jException("unknown shape '" + spec + "' (allowed: " + String.join(", ", NAMED.keySet())
                    + ", custom:dim=..,ffn=..,layers=..,heads=..,kv_heads=..,vocab=..)");
        }
        Map<String, Integer> v = new LinkedHashMap<>();
        for (String kv : s.substring("custom:".length()).split(",")) {
            int eq = kv.indexOf('=');
            String k = eq < 0 ? kv.trim() : kv.substring(0, eq).trim();
            if (!java.util.List.of("dim", "ffn", "layers", "heads", "kv_heads", "vocab").contains(k) || eq < 0) {
                throw new Llama4jException("shape '" + spec + "': bad field '" + kv
                        + "' (allowed: dim=N, ffn=N, layers=N, heads=N, kv_heads=N, vocab=N)");
            }
            try {
                v.put(k, Integer.parseInt(kv.substring(eq + 1).trim()));
            } catch (NumberFormatException e) {
                throw new Llama4jException("shape '" + spec + "': " + k + " = '" + kv.substring(eq + 1)
                        + "' is not an integer");
            }
        }
        for (String k : new String[] {"dim", "ffn", "layers", "heads", "vocab"}) {
            if (!v.containsKey(k)) {
                throw new Llama4jException("shape '" + spec + "' lacks " + k + "=N (kv_heads defaults to heads)");
            }
        }
        return new Shape(spec.trim(), v.get("dim"), v.get("ffn"), v.get("layers"), v.get("heads"),
                v.getOrDefault("kv_heads", v.get("heads")), v.get("vocab"));
    }

    /** Key/value width: kvHeads · dim / heads. */
    public int kvDim() {
        return kvHeads * (dim / heads);
    }

    /** Number of weights: embedding, per-layer matrices and norms, final norm, classifier. */
    public long params() {
        long perLayer = 2L * dim * dim + 2L * dim * kvDim() + 3L * dim * ffn + 2L * dim;
        return 2L * vocab * dim + layers * perLayer + dim;
    }

    /** The same shape with another vocabulary size. */
    public Shape withVocab(int n) {
        return new Shape(name, dim, ffn, layers, heads, kvHeads, n);
    }
}
