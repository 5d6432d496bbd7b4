// Decode mat-vec out[r] = sum_c W[r][c] x[c] on the weight blocks directly, one warp per row.
// Integer types (Q4_0, Q8_0, Q4_K, Q6_K): x is quantized once to q8_1 blocks (quantize_q8_1) and each lane
// dots 32-weight chunks with __dp4a. Float types (F16, BF16, F32): plain float dot over any row length.
#include "quant.cuh"

#define MMV_WARPS 4

__global__ void quantize_q8_1(block_q8_1* xq, const float* x, long long n_blocks) {
    const long long b = ((long long) blockIdx.x * blockDim.x + threadIdx.x) / L4J_WARP;
    const int lane = threadIdx.x % L4J_WARP;
    if (b >= n_blocks) {
        return;  // whole warps leave together (blockDim is a multiple of 32)
    }
    const float v = x[b * QK8_1 + lane];
    const float amax = warp_max(fabsf(v));
    const float d = amax / 127.0f;
    const int q = amax == 0.0f ? 0 : __float2int_rn(v / d);
    const int sum = warp_sum_int(q);
    xq[b].qs[lane] = (int8_t) q;
    if (lane == 0) {
        xq[b].d = d;
        xq[b].s = d * (float) sum;
    }
}

template <int TYPE>
__global__ void mmvq_q8(float* out, const uint8_t* w, long long rb, int rows, int cols, const block_q8_1* xq) {
    const int row = blockIdx.x * MMV_WARPS + threadIdx.x / L4J_WARP;
    const int lane = threadIdx.x % L4J_WARP;
    if (row >= rows) {
        return;
    }
    const uint8_t* wr = w + row * rb;
    const int chunks = cols / QK8_1;
    float sum = 0.0f;
    for (int i = lane; i < chunks; i += L4J_WARP) {
        sum += qtype<TYPE>::vec_dot_q8_1(wr, i, xq + i);
    }
    sum = warp_sum(sum);
    if (lane == 0) {
        out[row] = sum;
    }
}

template <int TYPE>
__global__ void mmv_float(float* out, const uint8_t* w, long long rb, int rows, int cols, const float* x) {
    const int row = blockIdx.x * MMV_WARPS + threadIdx.x / L4J_WARP;
    const int lane = threadIdx.x % L4J_WARP;
    if (row >= rows) {
        return;
    }
    const uint8_t* wr = w + row * rb;
    float sum = 0.0f;
    for (int k = lane; k < cols; k += L4J_WARP) {
        sum += qtype<TYPE>::dequant(wr, k) * x[k];
    }
    sum = warp_sum(sum);
    if (lane == 0) {
        out[row] = sum;
    }
}

static void quantize_q8_1_cuda(block_q8_1* xq, const float* x, long long n_blocks, cudaStream_t s) {
    const int threads = 256;
    quantize_q8_1<<<ceil_div(n_blocks * L4J_WARP, threads), threads, 0, s>>>(xq, x, n_blocks);
}

template <int TYPE>
struct mmvq_cuda {
    static void run(float* out, const uint8_t* w, long long rb, int rows, int cols, const float* x,
                    const block_q8_1* xq, cudaStream_t s) {
        const dim3 grid(ceil_div(rows, MMV_WARPS));
        if constexpr (qtype<TYPE>::q8) {
            mmvq_q8<TYPE><<<grid, MMV_WARPS * L4J_WARP, 0, s>>>(out, w, rb, rows, cols, xq);
        } else {
            mmv_float<TYPE><<<grid, MMV_WARPS * L4J_WARP, 0, s>>>(out, w, rb, rows, cols, x);
        }
    }
};

extern "C" long long l4j_q8_1_bytes(int cols, int n_rows) {
    if (cols <= 0 || n_rows <= 0 || cols % QK8_1 != 0) {
        return -1;
    }
    return (long long) n_rows * (cols / QK8_1) * (long long) sizeof(block_q8_1);
}

extern "C" int l4j_quantize_q8_1(l4j_ptr_t xq, l4j_ptr_t x, int cols, int n_rows, l4j_stream_t stream) {
    L4J_REQUIRE(cols > 0 && n_rows > 0 && cols % QK8_1 == 0, "cols must be a positive multiple of 32");
    quantize_q8_1_cuda(dptr<block_q8_1>(xq), dptr<const float>(x), (long long) n_rows * (cols / QK8_1),
                       l4j_stream(stream));
    CUDA_CHECK_LAUNCH();
    return L4J_OK;
}

extern "C" int l4j_mmvq(l4j_ptr_t out, l4j_ptr_t w, int type, int rows, int cols, l4j_ptr_t x, l4j_ptr_t xq,
                        l4j_stream_t stream) {
    L4J_REQUIRE(rows > 0, "rows must be positive");
    const long long rb = row_bytes(type, cols);
    L4J_REQUIRE(rb > 0 || !l4j_type_supported(type), "cols must be a positive whole number of blocks");
    L4J_REQUIRE(!l4j_type_uses_q8_1(type) || xq != 0, "this type needs x quantized to q8_1 (xq)");
    const bool ok = dispatch_type<mmvq_cuda>(type, dptr<float>(out), dptr<const uint8_t>(w), rb,
                                              rows, cols, dptr<const float>(x), dptr<const block_q8_1>(xq), l4j_stream(stream));
    if (!ok) {
        return l4j_set_error(L4J_ERR_TYPE, __func__, "unsupported weight type");
    }
    CUDA_CHECK_LAUNCH();
    return L4J_OK;
}
