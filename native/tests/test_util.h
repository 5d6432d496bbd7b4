// Helpers of the native kernel tests: GPU presence (exit 77 = skipped), device buffers, random data,
// CPU references of the block formats, and comparisons by relative L2 error.
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "llama4j_cuda.h"

static int g_failures = 0;

#define CHECK_CUDA(call)                                                                            \
    do {                                                                                            \
        cudaError_t e_ = (call);                                                                    \
        if (e_ != cudaSuccess) {                                                                    \
            std::fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(e_)); \
            std::exit(1);                                                                           \
        }                                                                                           \
    } while (0)

#define CHECK_L4J(call)                                                                             \
    do {                                                                                            \
        int r_ = (call);                                                                            \
        if (r_ != 0) {                                                                              \
            std::fprintf(stderr, "%s:%d %s -> %d: %s\n", __FILE__, __LINE__, #call, r_,             \
                         l4j_last_error_string());                                                  \
            std::exit(1);                                                                           \
        }                                                                                           \
        CHECK_CUDA(cudaDeviceSynchronize());                                                        \
    } while (0)

// Exits with 77 (ctest: skipped) when no CUDA device can be used.
static void require_gpu(const char* test) {
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n == 0) {
        std::printf("%s: skipped: no GPU (%s)\n", test,
                    e != cudaSuccess ? cudaGetErrorString(e) : "cudaGetDeviceCount returned 0");
        std::exit(77);
    }
    cudaDeviceProp prop;
    CHECK_CUDA(cudaGetDeviceProperties(&prop, 0));
    std::printf("%s on %s (sm_%d%d)\n", test, prop.name, prop.major, prop.minor);
}

static int finish(const char* test) {
    if (g_failures) {
        std::printf("%s: %d FAILED\n", test, g_failures);
        return 1;
    }
    std::printf("%s: all passed\n", test);
    return 0;
}

// A device buffer freed at scope end; addr() is what the C ABI takes.
struct Dev {
    void* p = nullptr;
    size_t n = 0;
    explicit Dev(size_t bytes) : n(bytes) { CHECK_CUDA(cudaMalloc(&p, bytes ? bytes : 1)); }
    template <typename T>
    explicit Dev(const std::vector<T>& v) : Dev(v.size() * sizeof(T)) {
        CHECK_CUDA(cudaMemcpy(p, v.data(), n, cudaMemcpyHostToDevice));
    }
    ~Dev() { cudaFree(p); }
    Dev(const Dev&) = delete;
    l4j_ptr_t addr() const { return (l4j_ptr_t) (uintptr_t) p; }
    template <typename T>
    std::vector<T> get() const {
        std::vector<T> v(n / sizeof(T));
        CHECK_CUDA(cudaMemcpy(v.data(), p, v.size() * sizeof(T), cudaMemcpyDeviceToHost));
        return v;
    }
};

static std::mt19937 rng(1234);

static std::vector<float> randn(size_t n, float scale = 1.0f) {
    std::normal_distribution<float> d(0.0f, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

static std::vector<uint8_t> rand_bytes(size_t n) {
    std::uniform_int_distribution<int> d(0, 255);
    std::vector<uint8_t> v(n);
    for (auto& x : v) x = (uint8_t) d(rng);
    return v;
}

static uint16_t f2h(float f) {
    _Float16 h = (_Float16) f;
    uint16_t u;
    std::memcpy(&u, &h, 2);
    return u;
}

static float h2f(uint16_t u) {
    _Float16 h;
    std::memcpy(&h, &u, 2);
    return (float) h;
}

static float bf2f(uint16_t u) {
    uint32_t b = (uint32_t) u << 16;
    float f;
    std::memcpy(&f, &b, 4);
    return f;
}

static void put_half(uint8_t* p, float f) {
    uint16_t u = f2h(f);
    std::memcpy(p, &u, 2);
}

static float get_half(const uint8_t* p) {
    uint16_t u;
    std::memcpy(&u, p, 2);
    return h2f(u);
}

struct TypeInfo {
    int type;
    const char* name;
    int block;
    int bytes;
};

static const TypeInfo TYPES[] = {
    {L4J_F32, "F32", 1, 4},       {L4J_F16, "F16", 1, 2},       {L4J_BF16, "BF16", 1, 2},
    {L4J_Q4_0, "Q4_0", 32, 18},   {L4J_Q8_0, "Q8_0", 32, 34},   {L4J_Q4_K, "Q4_K", 256, 144},
    {L4J_Q6_K, "Q6_K", 256, 210},
};

// Random weights of `rows` rows of `cols` in the type's block layout (random bits with sane scales).
static std::vector<uint8_t> rand_weights(const TypeInfo& t, int rows, int cols) {
    const size_t rb = (size_t) cols / t.block * t.bytes;
    std::vector<uint8_t> w = rand_bytes(rb * rows);
    std::uniform_real_distribution<float> sc(0.001f, 0.02f);
    std::normal_distribution<float> g(0.0f, 1.0f);
    const size_t nblocks = w.size() / t.bytes;
    for (size_t b = 0; b < nblocks; b++) {
        uint8_t* p = w.data() + b * t.bytes;
        switch (t.type) {
            case L4J_F32: { float f = g(rng); std::memcpy(p, &f, 4); break; }
            case L4J_F16: put_half(p, g(rng)); break;
            case L4J_BF16: { float f = g(rng); uint32_t u; std::memcpy(&u, &f, 4); uint16_t h = u >> 16; std::memcpy(p, &h, 2); break; }
            case L4J_Q4_0: case L4J_Q8_0: put_half(p, sc(rng)); break;
            case L4J_Q4_K: put_half(p, sc(rng)); put_half(p + 2, sc(rng)); break;
            case L4J_Q6_K: put_half(p + 208, sc(rng)); break;
        }
    }
    return w;
}

static void q4k_scale_min_ref(const uint8_t* sc, int j, int& s, int& m) {
    if (j < 4) {
        s = sc[j] & 63;
        m = sc[j + 4] & 63;
    } else {
        s = (sc[j + 4] & 0xF) | ((sc[j - 4] >> 6) << 4);
        m = (sc[j + 4] >> 4) | ((sc[j] >> 6) << 4);
    }
}

// Dequantizes one row of cols weights (written from the ggml reference layouts, block by block).
static std::vector<float> dequant_row(const TypeInfo& t, const uint8_t* row, int cols) {
    std::vector<float> y(cols);
    for (int b = 0; b < cols / t.block; b++) {
        const uint8_t* p = row + (size_t) b * t.bytes;
        float* o = y.data() + (size_t) b * t.block;
        switch (t.type) {
            case L4J_F32: std::memcpy(o, p, 4); break;
            case L4J_F16: o[0] = get_half(p); break;
            case L4J_BF16: { uint16_t u; std::memcpy(&u, p, 2); o[0] = bf2f(u); break; }
            case L4J_Q4_0: {
                const float d = get_half(p);
                for (int j = 0; j < 16; j++) {
                    o[j] = ((p[2 + j] & 0xF) - 8) * d;
                    o[j + 16] = ((p[2 + j] >> 4) - 8) * d;
                }
                break;
            }
            case L4J_Q8_0: {
                const float d = get_half(p);
                for (int j = 0; j < 32; j++) o[j] = (int8_t) p[2 + j] * d;
                break;
            }
            case L4J_Q4_K: {
                const float d = get_half(p), dmin = get_half(p + 2);
                const uint8_t* q = p + 16;
                int is = 0;
                for (int j = 0; j < 256; j += 64) {
                    int s, m;
                    q4k_scale_min_ref(p + 4, is, s, m);
                    const float d1 = d * s, m1 = dmin * m;
                    q4k_scale_min_ref(p + 4, is + 1, s, m);
                    const float d2 = d * s, m2 = dmin * m;
                    for (int l = 0; l < 32; l++) o[j + l] = d1 * (q[l] & 0xF) - m1;
                    for (int l = 0; l < 32; l++) o[j + 32 + l] = d2 * (q[l] >> 4) - m2;
                    q += 32;
                    is += 2;
                }
                break;
            }
            case L4J_Q6_K: {
                const float d = get_half(p + 208);
                const uint8_t* ql = p;
                const uint8_t* qh = p + 128;
                const int8_t* sc = (const int8_t*) (p + 192);
                float* yy = o;
                for (int n = 0; n < 256; n += 128) {
                    for (int l = 0; l < 32; l++) {
                        const int is = l / 16;
                        const int q1 = (int) ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                        const int q2 = (int) ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                        const int q3 = (int) ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                        const int q4 = (int) ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                        yy[l] = d * sc[is] * q1;
                        yy[l + 32] = d * sc[is + 2] * q2;
                        yy[l + 64] = d * sc[is + 4] * q3;
                        yy[l + 96] = d * sc[is + 6] * q4;
                    }
                    yy += 128;
                    ql += 64;
                    qh += 32;
                    sc += 8;
                }
                break;
            }
        }
    }
    return y;
}

// Relative L2 error |a - b| / |b| (absolute when b is ~0); records a failure above tol.
static double expect_close(const char* what, const std::vector<float>& got, const std::vector<float>& want,
                           double tol) {
    double num = 0, den = 0;
    size_t bad = 0;
    for (size_t i = 0; i < want.size(); i++) {
        if (!std::isfinite(got[i])) bad++;
        const double d = (double) got[i] - want[i];
        num += d * d;
        den += (double) want[i] * want[i];
    }
    const double err = den > 1e-30 ? std::sqrt(num / den) : std::sqrt(num);
    const bool ok = bad == 0 && err <= tol && got.size() >= want.size();
    std::printf("  %-48s rel L2 err %.3e (tol %.1e) %s\n", what, err, tol, ok ? "ok" : "FAIL");
    if (!ok) g_failures++;
    return err;
}

static void expect_eq_int(const char* what, long long got, long long want) {
    const bool ok = got == want;
    std::printf("  %-48s got %lld want %lld %s\n", what, got, want, ok ? "ok" : "FAIL");
    if (!ok) g_failures++;
}
