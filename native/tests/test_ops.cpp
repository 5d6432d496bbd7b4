// Kernel tests of the elementwise ops: rms_norm, rope, embed (every type), swiglu, add, argmax, error codes.
#include <algorithm>
#include <cmath>
#include "test_util.h"

static void test_rms_norm(int dim, int rows) {
    auto x = randn((size_t) dim * rows, 2.0f), w = randn(dim);
    Dev dx(x), dw(w), dout((size_t) dim * rows * 4);
    CHECK_L4J(l4j_rms_norm(dout.addr(), dx.addr(), dw.addr(), dim, rows, 1e-5f, 0));
    std::vector<float> want(x.size());
    for (int r = 0; r < rows; r++) {
        double ss = 0;
        for (int i = 0; i < dim; i++) ss += (double) x[r * dim + i] * x[r * dim + i];
        const double inv = 1.0 / std::sqrt(ss / dim + 1e-5);
        for (int i = 0; i < dim; i++) want[r * dim + i] = (float) (x[r * dim + i] * inv * w[i]);
    }
    char what[96];
    std::snprintf(what, sizeof what, "rms_norm dim=%d rows=%d", dim, rows);
    expect_close(what, dout.get<float>(), want, 1e-5);
}

static void test_rope(int n_tokens, int width, int head_size, int rope_dim, int pos0) {
    auto v = randn((size_t) n_tokens * width);
    Dev dv(v), dpos(std::vector<int>{pos0});
    CHECK_L4J(l4j_rope(dv.addr(), n_tokens, width, head_size, rope_dim, 10000.0f, dpos.addr(), 0));
    std::vector<float> want = v;
    for (int t = 0; t < n_tokens; t++) {
        for (int h = 0; h < width / head_size; h++) {
            for (int i = 0; i < rope_dim / 2; i++) {
                const double freq = std::pow(10000.0, -2.0 * i / rope_dim);
                const double a = (pos0 + t) * freq;
                float* x = want.data() + (size_t) t * width + h * head_size + 2 * i;
                const double x0 = x[0], x1 = x[1];
                x[0] = (float) (x0 * std::cos(a) - x1 * std::sin(a));
                x[1] = (float) (x0 * std::sin(a) + x1 * std::cos(a));
            }
        }
    }
    char what[96];
    std::snprintf(what, sizeof what, "rope T=%d width=%d hs=%d rd=%d pos=%d", n_tokens, width, head_size, rope_dim,
                  pos0);
    expect_close(what, dv.get<float>(), want, 2e-5);
}

static void test_embed(const TypeInfo& t, int dim, int vocab) {
    auto table = rand_weights(t, vocab, dim);
    std::vector<int> tokens = {3, 0, vocab - 1, 3, -1, vocab};  // last two out of range -> zeros
    Dev dt(table), dtok(tokens), dout(tokens.size() * dim * 4);
    CHECK_L4J(l4j_embed(dout.addr(), dt.addr(), t.type, dim, vocab, dtok.addr(), (int) tokens.size(), 0));
    const size_t rb = (size_t) dim / t.block * t.bytes;
    std::vector<float> want(tokens.size() * dim, 0.0f);
    for (size_t i = 0; i < tokens.size(); i++) {
        if (tokens[i] < 0 || tokens[i] >= vocab) continue;
        auto row = dequant_row(t, table.data() + rb * tokens[i], dim);
        std::copy(row.begin(), row.end(), want.begin() + i * dim);
    }
    char what[96];
    std::snprintf(what, sizeof what, "embed %s dim=%d vocab=%d", t.name, dim, vocab);
    expect_close(what, dout.get<float>(), want, 0.0);
}

static void test_swiglu_add(long long n) {
    auto a = randn(n), b = randn(n);
    Dev da(a), db(b);
    CHECK_L4J(l4j_swiglu(da.addr(), db.addr(), n, 0));
    std::vector<float> want(n);
    for (long long i = 0; i < n; i++) want[i] = (float) (a[i] / (1.0 + std::exp(-(double) a[i])) * b[i]);
    char what[96];
    std::snprintf(what, sizeof what, "swiglu n=%lld", n);
    expect_close(what, da.get<float>(), want, 1e-6);
    Dev dx(a);
    CHECK_L4J(l4j_add(dx.addr(), db.addr(), n, 0));
    for (long long i = 0; i < n; i++) want[i] = a[i] + b[i];
    std::snprintf(what, sizeof what, "add n=%lld", n);
    expect_close(what, dx.get<float>(), want, 0.0);
}

static void test_argmax(int n) {
    auto x = randn(n);
    const int hi = n / 3;
    x[hi] = 100.0f;
    if (n > 10) {
        x[n - 2] = 100.0f;  // tie: lower index wins
        x[n / 2] = NAN;     // NaN never wins
    }
    Dev dx(x), di(sizeof(int));
    CHECK_L4J(l4j_argmax(di.addr(), dx.addr(), n, 0));
    char what[96];
    std::snprintf(what, sizeof what, "argmax n=%d", n);
    expect_eq_int(what, di.get<int>()[0], hi);
}

// top-k draw with temperature (no top-p / min-p; those are checked against the Java sampler by CudaSamplingTest)
static void test_sample(int n, int k, float temp, float u) {
    auto x = randn(n, 3.0f);
    if (n > 10) x[n - 1] = x[0];  // a tie: the lower id sorts first
    std::vector<int> idx(n);
    for (int i = 0; i < n; i++) idx[i] = i;
    std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return x[a] > x[b]; });
    const int kk = k < n ? k : n;
    std::vector<double> p(kk);
    double sum = 0;
    for (int i = 0; i < kk; i++) sum += p[i] = std::exp((x[idx[i]] - x[idx[0]]) / (double) temp);
    int want = idx[kk - 1];
    double cdf = 0;
    for (int i = 0; i < kk; i++) {
        cdf += p[i] / sum;
        if (u < cdf) { want = idx[i]; break; }
    }
    Dev dx(x), di(sizeof(int));
    CHECK_L4J(l4j_sample(di.addr(), dx.addr(), n, k, 1.0f, 0.0f, temp, u, 0));
    char what[96];
    std::snprintf(what, sizeof what, "sample n=%d k=%d t=%.2f u=%.3f", n, k, temp, u);
    expect_eq_int(what, di.get<int>()[0], want);
}

static void test_errors() {
    int r = l4j_rms_norm(0, 0, 0, 0, 1, 1e-5f, 0);
    expect_eq_int("rms_norm dim=0 -> L4J_ERR_ARG", r, L4J_ERR_ARG);
    std::printf("    message: %s\n", l4j_last_error_string());
    if (std::strstr(l4j_last_error_string(), "l4j_rms_norm") == nullptr) g_failures++;
    Dev d(64);
    r = l4j_mmvq(d.addr(), d.addr(), 3 /* Q4_1 */, 1, 32, d.addr(), d.addr(), 0);
    expect_eq_int("mmvq Q4_1 -> L4J_ERR_TYPE", r, L4J_ERR_TYPE);
    std::printf("    message: %s\n", l4j_last_error_string());
    expect_eq_int("type_supported(Q4_1)", l4j_type_supported(3), 0);
    expect_eq_int("type_supported(Q6_K)", l4j_type_supported(L4J_Q6_K), 1);
}

int main() {
    require_gpu("test_ops");
    for (int dim : {1, 7, 64, 288, 4096, 5000}) test_rms_norm(dim, 3);
    test_rope(1, 64, 8, 8, 0);
    test_rope(3, 4096, 128, 128, 4093);
    test_rope(5, 96, 48, 32, 17);
    for (const auto& t : TYPES) test_embed(t, t.block == 256 ? 512 : (t.block == 1 ? 67 : 96), 13);
    for (long long n : {1LL, 172LL, 11008LL, 100003LL}) test_swiglu_add(n);
    for (int n : {1, 5, 512, 32000, 100001}) test_argmax(n);
    for (int n : {1, 7, 32000, 100001}) {
        for (int k : {1, 3, 40, 1024}) {
            for (float u : {0.0f, 0.37f, 0.9f}) test_sample(n, k, 0.8f, u);
        }
    }
    test_errors();
    return finish("test_ops");
}
