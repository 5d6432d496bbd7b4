package dev.llama4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama4j.TestData;
import dev.llama4j.backend.Backend;
import dev.llama4j.backend.DeviceSampling;
import dev.llama4j.backend.cpu.CpuBackend;
import dev.llama4j.model.ModelFile;
import dev.llama4j.model.ModelFiles;
import dev.llama4j.model.Tokenizers;
import dev.llama4j.sampling.Sampler;
import dev.llama4j.sampling.SamplingParams;
import dev.llama4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The host side of {@link DeviceSampling}: {@link LlamaContext} picks tokens through the backend's capability when
 * it has one and the sampler has no penalties, reads back no logits per decode step then, and gives the same tokens
 * as host sampling for the same seed. The "device" here is the CPU scalar backend with the capability computed on
 * the host ({@link Sampler#sampleWith}); the CUDA kernel's own parity is {@code CudaSamplingTest}.
 */
class DeviceSamplingTest {

    @Test
    void supportsOnlyPenaltyFreeGreedyOrBoundedTopK() {
        assertTrue(DeviceSampling.supports(SamplingParams.GREEDY));
        assertTrue(DeviceSampling.supports(SamplingParams.defaults(7)));
        SamplingParams noTopK = new SamplingParams(0.8f, 0, 0.95f, 0.05f, 1f, 0f, 0f, 64, 7);
        assertFalse(DeviceSampling.supports(noTopK));
        SamplingParams bigTopK = new SamplingParams(0.8f, DeviceSampling.MAX_TOP_K + 1, 1f, 0f, 1f, 0f, 0f, 64, 7);
        assertFalse(DeviceSampling.supports(bigTopK));
        SamplingParams penalised = new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1.1f, 0f, 0f, 64, 7);
        assertFalse(DeviceSampling.supports(penalised));
    }

    @Test
    void sampleWithMatchesSampleForTheSameUniform() {
        SamplingParams p = SamplingParams.defaults(99);
        java.util.Random rnd = new java.util.Random(3);
        Sampler a = new Sampler(p, 500);
        Sampler b = new Sampler(p, 500);
        for (int i = 0; i < 200; i++) {
            float[] logits = new float[500];
            for (int j = 0; j < logits.length; j++) {
                logits[j] = (float) rnd.nextGaussian() * 3;
            }
            int host = a.sample(logits);
            assertEquals(host, b.sampleWith(logits, b.nextUniform()), "draw " + i);
        }
    }

    @Test
    void contextPicksOnTheDeviceWithTheSameTokens() {
        SamplingParams[] cases = {
            SamplingParams.GREEDY,
            SamplingParams.defaults(1234),
            new SamplingParams(1.2f, 5, 1f, 0f, 1f, 0f, 0f, 64, 42),
            new SamplingParams(0.7f, 40, 0.9f, 0.05f, 1.3f, 0f, 0f, 64, 5),  // penalties: host
        };
        int[] prompt = {1, 403, 407};
        for (SamplingParams p : cases) {
            GenerationOptions o = GenerationOptions.greedy(40).withSampling(p);
            int[] host;
            try (LlamaModel m = model(CpuBackend.scalar()); LlamaContext c = m.newContext(128)) {
                host = c.generate(prompt, o, null).generatedIds();
            }
            Picking dev = new Picking(CpuBackend.scalar());
            try (LlamaModel m = model(dev); LlamaContext c = m.newContext(128)) {
                assertArrayEquals(host, c.generate(prompt, o, null).generatedIds(), p.toString());
            }
            if (p.hasPenalties()) {
                assertEquals(0, dev.picks, "penalties stay on the host");
            } else {
                assertEquals(host.length, dev.picks, "one device pick per token");
                assertEquals(1, dev.vocabReads, "logits read back once (after the prompt), not per token");
            }
        }
    }

    private static LlamaModel model(Backend b) {
        ModelFile f = ModelFiles.open(TestData.model("stories260K.gguf"));
        return LlamaModel.of(f, Tokenizers.load(f, null), b, ModelOptions.defaults().withContextLength(128));
    }

    /** A backend with the capability, computed on the host from the read-back logits. */
    private static final class Picking implements Backend, DeviceSampling {
        final Backend d;
        int picks;
        int vocabReads;

        Picking(Backend d) {
            this.d = d;
        }

        private float[] logits(Buf b, int n) {
            float[] v = new float[n];
            d.read(b, 0, v, n);
            return v;
        }

        @Override
        public int argmax(Buf logits, int n) {
            picks++;
            return Sampler.argmax(logits(logits, n), n);
        }

        @Override
        public int sample(Buf logits, int n, SamplingParams p, float u) {
            picks++;
            return new Sampler(p, n).sampleWith(logits(logits, n), u);
        }

        @Override public String name() { return "picking"; }
        @Override public String description() { return d.description(); }
        @Override public Weight weight(Tensor t) { return d.weight(t); }
        @Override public Buf buffer(int floats) { return d.buffer(floats); }
        @Override public KvStore kvCache(int l, int c, int k) { return d.kvCache(l, c, k); }
        @Override public void step(int[] t, int n, int s, Runnable b) { d.step(t, n, s, b); }
        @Override public void embed(Buf o, Weight t, int dim) { d.embed(o, t, dim); }
        @Override public void rmsNorm(Buf o, Buf x, Weight w, int dim, int n, float e) { d.rmsNorm(o, x, w, dim, n, e); }
        @Override public void matmul(Buf o, Weight w, Buf x, int n) { d.matmul(o, w, x, n); }
        @Override public void rope(Buf v, int w, int h, int r, float t) { d.rope(v, w, h, r, t); }
        @Override public void storeKv(KvStore c, int l, Buf k, Buf v) { d.storeKv(c, l, k, v); }
        @Override public void attention(Buf o, Buf q, KvStore c, int l, int h, int k, int s) {
            d.attention(o, q, c, l, h, k, s);
        }
        @Override public void swiglu(Buf a, Buf b, int n) { d.swiglu(a, b, n); }
        @Override public void add(Buf x, Buf y, int n) { d.add(x, y, n); }
        @Override public void copy(Buf a, int ao, Buf b, int bo, int n) { d.copy(a, ao, b, bo, n); }
        @Override public void read(Buf src, int off, float[] dst, int n) {
            if (n > 256) {
                vocabReads++;  // the model's logits (vocab 512); the capability's own reads are counted apart
            }
            d.read(src, off, dst, n);
        }
        @Override public void close() { d.close(); }
    }
}
