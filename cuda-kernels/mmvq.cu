// Decode mat-vec out[r] = sum_c W[r][c] x[c] on the weight blocks directly, one warp per row.
// Integer types (Q4_0, Q8_0, Q4_K, Q6_K): x is quantized once to q8_1 blocks (quantize_q8_1) and each lane
// dots 32-weight chunks with __dp4a. Float types (F16, BF16, F32): plain float dot over any row length.
#include "quant.cuh"

#define MMV_WARPS 4
#define MMV_ROWS 2

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

// Integer types: MMV_ROWS rows per warp share each q8_1 block of x (read once per chunk, not once per row); the
// chunk loop is unrolled so several blocks' loads are in flight per lane. Consecutive lanes read consecutive
// blocks of a row, so each warp load instruction covers one contiguous span of the row.
template <int TYPE>
__global__ void __launch_bounds__(MMV_WARPS * L4J_WARP)
mmvq_q8(float* __restrict__ out, const uint8_t* __restrict__ w, long long rb, int rows, int cols,
        const block_q8_1* __restrict__ xq) {
    const int row0 = (blockIdx.x * MMV_WARPS + threadIdx.x / L4J_WARP) * MMV_ROWS;
    const int lane = threadIdx.x % L4J_WARP;
    if (row0 >= rows) {
        return;
    }
    const int chunks = cols / QK8_1;
    float sum[MMV_ROWS];
#pragma unroll
    for (int r = 0; r < MMV_ROWS; r++) {
        sum[r] = 0.0f;
    }
#pragma unroll 4
    for (int i = lane; i < chunks; i += L4J_WARP) {
        const block_q8_1* x = xq + i;
#pragma unroll
        for (int r = 0; r < MMV_ROWS; r++) {
            if (row0 + r < rows) {
                sum[r] += qtype<TYPE>::vec_dot_q8_1(w + (long long) (row0 + r) * rb, i, x);
            }
        }
    }
#pragma unroll
    for (int r = 0; r < MMV_ROWS; r++) {
        const float v = warp_sum(sum[r]);
        if (lane == 0 && row0 + r < rows) {
            out[row0 + r] = v;
        }
    }
}

// Float types: each lane reads 16 bytes of the row at a time (4 F32 or 8 F16/BF16 weights) with the matching
// float4 loads of x, where the row length allows (cols a multiple of the vector width); element by element
// otherwise.
template <int TYPE>
__global__ void __launch_bounds__(MMV_WARPS * L4J_WARP)
mmv_float(float* __restrict__ out, const uint8_t* __restrict__ w, long long rb, int rows, int cols,
          const float* __restrict__ x) {
    constexpr int V = 16 / qtype<TYPE>::bytes;
    const int row = blockIdx.x * MMV_WARPS + threadIdx.x / L4J_WARP;
    const int lane = threadIdx.x % L4J_WARP;
    if (row >= rows) {
        return;
    }
    const uint8_t* wr = w + row * rb;
    float sum = 0.0f;
    if (cols % V == 0) {
        const uint4* wv = (const uint4*) wr;
        const float4* xv = (const float4*) x;
#pragma unroll 4
        for (int j = lane; j < cols / V; j += L4J_WARP) {
            const uint4 q = __ldg(wv + j);
            const uint8_t* qb = (const uint8_t*) &q;
#pragma unroll
            for (int h = 0; h < V / 4; h++) {
                const float4 xs = __ldg(xv + j * (V / 4) + h);
                sum += qtype<TYPE>::dequant(qb, 4 * h) * xs.x + qtype<TYPE>::dequant(qb, 4 * h + 1) * xs.y
                     + qtype<TYPE>::dequant(qb, 4 * h + 2) * xs.z + qtype<TYPE>::dequant(qb, 4 * h + 3) * xs.w;
            }
        }
    } else {
        for (int k = lane; k < cols; k += L4J_WARP) {
            sum += qtype<TYPE>::dequant(wr, k) * x[k];
        }
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
        if constexpr (qtype<TYPE>::q8) {
            const dim3 grid(ceil_div(rows, MMV_WARPS * MMV_ROWS));
            mmvq_q8<TYPE><<<grid, MMV_WARPS * L4J_WARP, 0, s>>>(out, w, rb, rows, cols, xq);
        } else {
            const dim3 grid(ceil_div(rows, MMV_WARPS));
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
