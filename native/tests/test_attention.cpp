// Kernel tests of kv_store (F16 cache at a device-held position) and split causal GQA attention.
#include "test_util.h"

struct Shape {
    int n_heads, n_kv_heads, head_size, context, pos0, n_tokens, split_len;
};

static void test_attention(const Shape& s) {
    const int kv_dim = s.n_kv_heads * s.head_size, q_dim = s.n_heads * s.head_size;
    // cache already holds positions 0 .. pos0-1 (random), the step stores pos0 .. pos0+T-1 via kv_store
    std::vector<uint16_t> kc((size_t) s.context * kv_dim, 0), vc((size_t) s.context * kv_dim, 0);
    auto kold = randn((size_t) s.pos0 * kv_dim), vold = randn((size_t) s.pos0 * kv_dim);
    for (size_t i = 0; i < kold.size(); i++) {
        kc[i] = f2h(kold[i]);
        vc[i] = f2h(vold[i]);
    }
    auto k = randn((size_t) s.n_tokens * kv_dim), v = randn((size_t) s.n_tokens * kv_dim);
    auto q = randn((size_t) s.n_tokens * q_dim, 2.0f);
    Dev dkc(kc), dvc(vc), dk(k), dv(v), dq(q), dpos(std::vector<int>{s.pos0});
    const int n_splits = (s.pos0 + s.n_tokens + s.split_len - 1) / s.split_len;
    Dev dout((size_t) s.n_tokens * q_dim * 4);
    Dev scratch(l4j_attention_scratch_bytes(s.n_tokens, s.n_heads, s.head_size, n_splits));
    CHECK_L4J(l4j_kv_store(dkc.addr(), dvc.addr(), dk.addr(), dv.addr(), kv_dim, s.n_tokens, s.context, dpos.addr(), 0));
    CHECK_L4J(l4j_attention(dout.addr(), dq.addr(), dkc.addr(), dvc.addr(), s.n_tokens, s.n_heads, s.n_kv_heads,
                            s.head_size, s.context, dpos.addr(), s.split_len, n_splits, scratch.addr(), 0));

    for (int t = 0; t < s.n_tokens; t++) {
        for (int i = 0; i < kv_dim; i++) {
            kc[(size_t) (s.pos0 + t) * kv_dim + i] = f2h(k[(size_t) t * kv_dim + i]);
            vc[(size_t) (s.pos0 + t) * kv_dim + i] = f2h(v[(size_t) t * kv_dim + i]);
        }
    }
    char what[128];
    std::snprintf(what, sizeof what, "kv_store kv_dim=%d T=%d pos=%d", kv_dim, s.n_tokens, s.pos0);
    auto kg = dkc.get<uint16_t>(), vg = dvc.get<uint16_t>();
    expect_eq_int(what, std::memcmp(kg.data(), kc.data(), kc.size() * 2) == 0 &&
                            std::memcmp(vg.data(), vc.data(), vc.size() * 2) == 0, 1);

    std::vector<float> want((size_t) s.n_tokens * q_dim);
    const int group = s.n_heads / s.n_kv_heads;
    for (int t = 0; t < s.n_tokens; t++) {
        const int n_kv = s.pos0 + t + 1;
        for (int h = 0; h < s.n_heads; h++) {
            const float* qh = q.data() + (size_t) t * q_dim + h * s.head_size;
            const int kvh = h / group;
            std::vector<double> sc(n_kv);
            double mx = -1e300;
            for (int j = 0; j < n_kv; j++) {
                double d = 0;
                for (int e = 0; e < s.head_size; e++) d += qh[e] * h2f(kc[(size_t) j * kv_dim + kvh * s.head_size + e]);
                sc[j] = d / std::sqrt((double) s.head_size);
                mx = std::max(mx, sc[j]);
            }
            double sum = 0;
            for (int j = 0; j < n_kv; j++) sum += (sc[j] = std::exp(sc[j] - mx));
            for (int e = 0; e < s.head_size; e++) {
                double o = 0;
                for (int j = 0; j < n_kv; j++) o += sc[j] * h2f(vc[(size_t) j * kv_dim + kvh * s.head_size + e]);
                want[(size_t) t * q_dim + h * s.head_size + e] = (float) (o / sum);
            }
        }
    }
    std::snprintf(what, sizeof what, "attention H=%d KV=%d hs=%d pos=%d T=%d splits=%d", s.n_heads, s.n_kv_heads,
                  s.head_size, s.pos0, s.n_tokens, n_splits);
    expect_close(what, dout.get<float>(), want, 1e-5);
}

int main() {
    require_gpu("test_attention");
    test_attention({8, 4, 8, 512, 0, 1, 256});      // stories260K shape, first token
    test_attention({8, 4, 8, 512, 37, 1, 16});      // several splits
    test_attention({8, 4, 8, 512, 0, 19, 256});     // prefill from 0
    test_attention({4, 1, 128, 1024, 700, 1, 64});  // MQA, long context, 11 splits
    test_attention({6, 2, 96, 300, 100, 33, 50});   // odd head size, prefill with splits
    test_attention({32, 8, 256, 600, 511, 2, 128}); // head size 256
    test_attention({2, 2, 5, 40, 3, 7, 4});         // tiny odd head size
    return finish("test_attention");
}
