// Block layouts of the weight types the GPU path handles (as in ggml-common.h) and, per type, the device
// functions the kernels are written against:
//   dequant(row, k)            -> weight k of a row (any k; used by embed and the prefill matmul)
//   vec_dot_q8_1(row, i, xq)   -> dot of the 32 weights of chunk i of a row with q8_1 block xq (integer types)
// A row is a byte pointer to its first block; every block type here is 2-byte aligned (device allocations
// are 256-byte aligned and every block size is even), so wider loads go through load_u32_a2.
#pragma once

#include "common.cuh"

// ---- layouts (sizes in bytes) --------------------------------------------------------------------------
// Q4_0: half d; uint8 qs[16]                    weight j<16: (qs[j] & 15) - 8, j>=16: (qs[j-16] >> 4) - 8
// Q8_0: half d; int8 qs[32]
// Q4_K: half d; half dmin; uint8 scales[12]; uint8 qs[128]   8 sub-blocks of 32 with 6-bit scale and min
// Q6_K: uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d  16 sub-blocks of 16, 6-bit weights - 32
#define QK4_0 32
#define QK8_0 32
#define QK_K 256
#define BYTES_Q4_0 18
#define BYTES_Q8_0 34
#define BYTES_Q4_K 144
#define BYTES_Q6_K 210

// The activation, quantized once per mat-vec input: 32 int8 with scale d and s = d * sum(q).
#define QK8_1 32
struct block_q8_1 {
    float d;
    float s;
    int8_t qs[QK8_1];
};
static_assert(sizeof(block_q8_1) == 40, "block_q8_1 layout");

__device__ __forceinline__ float load_half(const uint8_t* p) {
    return __half2float(*(const __half*) p);
}

__device__ __forceinline__ int load_u32_a2(const uint8_t* p) {
    const uint16_t* h = (const uint16_t*) p;
    return (int) ((uint32_t) h[0] | ((uint32_t) h[1] << 16));
}

__device__ __forceinline__ int load_u32_a4(const uint8_t* p) {
    return *(const int*) p;
}

// 6-bit scale and min of sub-block j (0..7) of a Q4_K block.
__device__ __forceinline__ void q4k_scale_min(const uint8_t* sc, int j, int& s, int& m) {
    if (j < 4) {
        s = sc[j] & 63;
        m = sc[j + 4] & 63;
    } else {
        s = (sc[j + 4] & 0xF) | ((sc[j - 4] >> 6) << 4);
        m = (sc[j + 4] >> 4) | ((sc[j] >> 6) << 4);
    }
}

// ---- per-type traits -------------------------------------------------------------------------------------
template <int TYPE>
struct qtype;

template <>
struct qtype<L4J_F32> {
    static constexpr int block = 1;
    static constexpr int bytes = 4;
    static constexpr bool q8 = false;
    __device__ static float dequant(const uint8_t* row, int k) { return ((const float*) row)[k]; }
};

template <>
struct qtype<L4J_F16> {
    static constexpr int block = 1;
    static constexpr int bytes = 2;
    static constexpr bool q8 = false;
    __device__ static float dequant(const uint8_t* row, int k) { return __half2float(((const __half*) row)[k]); }
};

template <>
struct qtype<L4J_BF16> {
    static constexpr int block = 1;
    static constexpr int bytes = 2;
    static constexpr bool q8 = false;
    __device__ static float dequant(const uint8_t* row, int k) {
        return __bfloat162float(((const __nv_bfloat16*) row)[k]);
    }
};

template <>
struct qtype<L4J_Q4_0> {
    static constexpr int block = QK4_0;
    static constexpr int bytes = BYTES_Q4_0;
    static constexpr bool q8 = true;
    __device__ static float dequant(const uint8_t* row, int k) {
        const uint8_t* b = row + (k / QK4_0) * BYTES_Q4_0;
        const int j = k % QK4_0;
        const int q = j < 16 ? (b[2 + j] & 0xF) : (b[2 + j - 16] >> 4);
        return (q - 8) * load_half(b);
    }
    __device__ static float vec_dot_q8_1(const uint8_t* row, int i, const block_q8_1* xq) {
        const uint8_t* b = row + i * BYTES_Q4_0;
        const int* u = (const int*) xq->qs;
        int sumi = 0;
#pragma unroll
        for (int g = 0; g < 4; g++) {
            const int v = load_u32_a2(b + 2 + 4 * g);
            sumi = __dp4a(v & 0x0F0F0F0F, u[g], sumi);
            sumi = __dp4a((v >> 4) & 0x0F0F0F0F, u[g + 4], sumi);
        }
        // sum (q - 8) * x = d8 * sumi - 8 * s
        return load_half(b) * (xq->d * sumi - 8.0f * xq->s);
    }
};

template <>
struct qtype<L4J_Q8_0> {
    static constexpr int block = QK8_0;
    static constexpr int bytes = BYTES_Q8_0;
    static constexpr bool q8 = true;
    __device__ static float dequant(const uint8_t* row, int k) {
        const uint8_t* b = row + (k / QK8_0) * BYTES_Q8_0;
        return (float) ((const int8_t*) (b + 2))[k % QK8_0] * load_half(b);
    }
    __device__ static float vec_dot_q8_1(const uint8_t* row, int i, const block_q8_1* xq) {
        const uint8_t* b = row + i * BYTES_Q8_0;
        const int* u = (const int*) xq->qs;
        int sumi = 0;
#pragma unroll
        for (int g = 0; g < 8; g++) {
            sumi = __dp4a(load_u32_a2(b + 2 + 4 * g), u[g], sumi);
        }
        return load_half(b) * xq->d * (float) sumi;
    }
};

template <>
struct qtype<L4J_Q4_K> {
    static constexpr int block = QK_K;
    static constexpr int bytes = BYTES_Q4_K;
    static constexpr bool q8 = true;
    __device__ static float dequant(const uint8_t* row, int k) {
        const uint8_t* b = row + (k / QK_K) * BYTES_Q4_K;
        const int j = k % QK_K;
        const int c = j / 64, w = j % 64;
        const int sub = 2 * c + (w >= 32);
        const uint8_t byte = b[16 + 32 * c + (w % 32)];
        const int q = w < 32 ? (byte & 0xF) : (byte >> 4);
        int s, m;
        q4k_scale_min(b + 4, sub, s, m);
        return load_half(b) * s * q - load_half(b + 2) * m;
    }
    // chunk i = sub-block i % 8 of super-block i / 8
    __device__ static float vec_dot_q8_1(const uint8_t* row, int i, const block_q8_1* xq) {
        const uint8_t* b = row + (i / 8) * BYTES_Q4_K;
        const int sub = i % 8;
        const int c = sub / 2, shift = 4 * (sub % 2);
        const uint8_t* qs = b + 16 + 32 * c;
        const int* u = (const int*) xq->qs;
        int sumi = 0;
#pragma unroll
        for (int g = 0; g < 8; g++) {
            sumi = __dp4a((load_u32_a4(qs + 4 * g) >> shift) & 0x0F0F0F0F, u[g], sumi);
        }
        int s, m;
        q4k_scale_min(b + 4, sub, s, m);
        // sum (d*s*q - dmin*m) * x = d*s*d8*sumi - dmin*m*s8
        return load_half(b) * s * xq->d * sumi - load_half(b + 2) * m * xq->s;
    }
};

template <>
struct qtype<L4J_Q6_K> {
    static constexpr int block = QK_K;
    static constexpr int bytes = BYTES_Q6_K;
    static constexpr bool q8 = true;
    __device__ static float dequant(const uint8_t* row, int k) {
        const uint8_t* b = row + (k / QK_K) * BYTES_Q6_K;
        const int j = k % QK_K;
        const int n = j / 128, r = j % 128, qd = r / 32, l = r % 32;
        const uint8_t lb = b[64 * n + (qd & 1) * 32 + l];
        const int nib = qd >= 2 ? (lb >> 4) : (lb & 0xF);
        const int h = (b[128 + 32 * n + l] >> (2 * qd)) & 3;
        const int sc = ((const int8_t*) (b + 192))[8 * n + l / 16 + 2 * qd];
        return load_half(b + 208) * sc * ((nib | (h << 4)) - 32);
    }
    // chunk i = quarter i % 4 of half (i % 8) / 4 of super-block i / 8 (weights 32*(i%8) .. +31)
    __device__ static float vec_dot_q8_1(const uint8_t* row, int i, const block_q8_1* xq) {
        const uint8_t* b = row + (i / 8) * BYTES_Q6_K;
        const int n = (i % 8) / 4, qd = i % 4;
        const uint8_t* ql = b + 64 * n + (qd & 1) * 32;
        const uint8_t* qh = b + 128 + 32 * n;
        const int8_t* sc = (const int8_t*) (b + 192) + 8 * n + 2 * qd;
        const int* u = (const int*) xq->qs;
        float acc = 0.0f;
#pragma unroll
        for (int half16 = 0; half16 < 2; half16++) {
            int sumi = 0, sumx = 0;
#pragma unroll
            for (int g = 4 * half16; g < 4 * half16 + 4; g++) {
                const int v = load_u32_a2(ql + 4 * g);
                const int nib = qd >= 2 ? ((v >> 4) & 0x0F0F0F0F) : (v & 0x0F0F0F0F);
                const int h = ((load_u32_a2(qh + 4 * g) >> (2 * qd)) & 0x03030303) << 4;
                sumi = __dp4a(nib | h, u[g], sumi);
                sumx = __dp4a(0x01010101, u[g], sumx);
            }
            acc += sc[half16] * (float) (sumi - 32 * sumx);
        }
        return load_half(b + 208) * xq->d * acc;
    }
};

// Runs Op<TYPE>::run(args...) for a supported runtime type id; returns false for others.
template <template <int> class Op, typename... A>
static bool dispatch_type(int type, A... a) {
    switch (type) {
        case L4J_F32: Op<L4J_F32>::run(a...); return true;
        case L4J_F16: Op<L4J_F16>::run(a...); return true;
        case L4J_BF16: Op<L4J_BF16>::run(a...); return true;
        case L4J_Q4_0: Op<L4J_Q4_0>::run(a...); return true;
        case L4J_Q8_0: Op<L4J_Q8_0>::run(a...); return true;
        case L4J_Q4_K: Op<L4J_Q4_K>::run(a...); return true;
        case L4J_Q6_K: Op<L4J_Q6_K>::run(a...); return true;
        default: return false;
    }
}

// Bytes of one row of cols weights, or -1 if cols is not a whole number of blocks.
static inline long long row_bytes(int type, int cols) {
    int block = 1, bytes = 0;
    switch (type) {
        case L4J_F32: bytes = 4; break;
        case L4J_F16: case L4J_BF16: bytes = 2; break;
        case L4J_Q4_0: block = QK4_0; bytes = BYTES_Q4_0; break;
        case L4J_Q8_0: block = QK8_0; bytes = BYTES_Q8_0; break;
        case L4J_Q4_K: block = QK_K; bytes = BYTES_Q4_K; break;
        case L4J_Q6_K: block = QK_K; bytes = BYTES_Q6_K; break;
        default: return -1;
    }
    if (cols <= 0 || cols % block != 0) {
        return -1;
    }
    return (long long) (cols / block) * bytes;
}
