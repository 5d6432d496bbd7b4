// Kernel tests of the matrix ops: quantize_q8_1, decode mat-vec (mmvq) and prefill matmul (mmq) for every type.
#include "test_util.h"

// CPU model of quantize_q8_1: x rounded to 32-element blocks of int8 with d = amax / 127.
static std::vector<float> q8_1_roundtrip(const std::vector<float>& x) {
    std::vector<float> y(x.size());
    for (size_t b = 0; b < x.size() / 32; b++) {
        float amax = 0;
        for (int i = 0; i < 32; i++) amax = std::max(amax, std::fabs(x[b * 32 + i]));
        const float d = amax / 127.0f;
        for (int i = 0; i < 32; i++) y[b * 32 + i] = amax == 0 ? 0.0f : std::nearbyint(x[b * 32 + i] / d) * d;
    }
    return y;
}

static std::vector<float> ref_matmul(const TypeInfo& t, const std::vector<uint8_t>& w, int rows, int cols,
                                     const std::vector<float>& x, int n_tokens) {
    const size_t rb = (size_t) cols / t.block * t.bytes;
    std::vector<float> out((size_t) n_tokens * rows);
    for (int r = 0; r < rows; r++) {
        auto wr = dequant_row(t, w.data() + rb * r, cols);
        for (int tk = 0; tk < n_tokens; tk++) {
            double s = 0;
            for (int c = 0; c < cols; c++) s += (double) wr[c] * x[(size_t) tk * cols + c];
            out[(size_t) tk * rows + r] = (float) s;
        }
    }
    return out;
}

static void test_quantize(int cols, int rows) {
    auto x = randn((size_t) cols * rows);
    for (int i = 64; i < 96 && i < cols; i++) x[i] = 0.0f;  // an all-zero block
    Dev dx(x), dq(l4j_q8_1_bytes(cols, rows));
    CHECK_L4J(l4j_quantize_q8_1(dq.addr(), dx.addr(), cols, rows, 0));
    auto raw = dq.get<uint8_t>();
    std::vector<float> got(x.size()), s_got, s_want;
    for (size_t b = 0; b < x.size() / 32; b++) {
        float d, s;
        std::memcpy(&d, raw.data() + b * 40, 4);
        std::memcpy(&s, raw.data() + b * 40 + 4, 4);
        int sum = 0;
        for (int i = 0; i < 32; i++) {
            const int q = (int8_t) raw[b * 40 + 8 + i];
            sum += q;
            got[b * 32 + i] = q * d;
        }
        s_got.push_back(s);
        s_want.push_back(d * sum);
    }
    char what[96];
    std::snprintf(what, sizeof what, "quantize_q8_1 cols=%d rows=%d", cols, rows);
    expect_close(what, got, q8_1_roundtrip(x), 1e-6);
    expect_close("  q8_1 block sums", s_got, s_want, 1e-6);
}

static void test_mmvq(const TypeInfo& t, int rows, int cols) {
    auto w = rand_weights(t, rows, cols);
    auto x = randn(cols);
    Dev dw(w), dx(x), dout((size_t) rows * 4);
    const bool q8 = l4j_type_uses_q8_1(t.type);
    Dev dq(q8 ? l4j_q8_1_bytes(cols, 1) : 4);
    if (q8) CHECK_L4J(l4j_quantize_q8_1(dq.addr(), dx.addr(), cols, 1, 0));
    CHECK_L4J(l4j_mmvq(dout.addr(), dw.addr(), t.type, rows, cols, dx.addr(), q8 ? dq.addr() : 0, 0));
    auto got = dout.get<float>();
    char what[96];
    std::snprintf(what, sizeof what, "mmvq %s rows=%d cols=%d", t.name, rows, cols);
    if (q8) {
        // exact model of the integer path (x rounded as quantize_q8_1 does), then the float activation
        expect_close(what, got, ref_matmul(t, w, rows, cols, q8_1_roundtrip(x), 1), 1e-5);
        expect_close("  vs float activation", got, ref_matmul(t, w, rows, cols, x, 1), 2e-2);
    } else {
        expect_close(what, got, ref_matmul(t, w, rows, cols, x, 1), 1e-5);
    }
}

static void test_mmq(const TypeInfo& t, int rows, int cols, int n_tokens) {
    auto w = rand_weights(t, rows, cols);
    auto x = randn((size_t) cols * n_tokens);
    Dev dw(w), dx(x), dout((size_t) rows * n_tokens * 4);
    CHECK_L4J(l4j_mmq(dout.addr(), dw.addr(), t.type, rows, cols, dx.addr(), n_tokens, 0));
    char what[96];
    std::snprintf(what, sizeof what, "mmq %s rows=%d cols=%d T=%d", t.name, rows, cols, n_tokens);
    expect_close(what, dout.get<float>(), ref_matmul(t, w, rows, cols, x, n_tokens), 1e-5);
}

int main() {
    require_gpu("test_matmul");
    test_quantize(32, 1);
    test_quantize(4096, 3);
    for (const auto& t : TYPES) {
        const bool k = t.block == 256;
        const int c1 = k ? 256 : (t.block == 32 ? 64 : 172);  // 172: the odd ffn_down rows of stories260K
        const int c2 = k ? 1792 : (t.block == 32 ? 4128 : 1001);
        for (int rows : {1, 7, 37, 300}) test_mmvq(t, rows, c1);
        test_mmvq(t, 129, c2);
        if (t.block == 1) test_mmvq(t, 33, 4096);  // 16-byte vector loads (cols a multiple of 8)
        test_mmq(t, 37, c1, 1);
        test_mmq(t, 65, c1, 70);
        test_mmq(t, 130, c2, 5);
    }
    return finish("test_matmul");
}
