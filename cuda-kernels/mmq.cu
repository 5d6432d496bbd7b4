// Prefill matmul out[t][r] = sum_c W[r][c] x[t][c]: a first tiled version. Each block computes a 64 x 64 tile
// (rows x tokens); weights are dequantized into shared memory 32 columns at a time, activations stay float32.
#include "quant.cuh"

#define MMQ_TR 64
#define MMQ_TT 64
#define MMQ_TK 32
#define MMQ_THREADS 256

template <int TYPE>
__global__ void __launch_bounds__(MMQ_THREADS)
mmq_tiled(float* out, const uint8_t* w, long long rb, int rows, int cols, const float* x, int n_tokens) {
    __shared__ float ws[MMQ_TR][MMQ_TK + 1];
    __shared__ float xs[MMQ_TT][MMQ_TK + 1];
    const int r0 = blockIdx.x * MMQ_TR, t0 = blockIdx.y * MMQ_TT;
    const int tr = threadIdx.x % 16, tt = threadIdx.x / 16;
    float acc[4][4] = {};
    for (int k0 = 0; k0 < cols; k0 += MMQ_TK) {
        for (int e = threadIdx.x; e < MMQ_TR * MMQ_TK; e += MMQ_THREADS) {
            const int i = e / MMQ_TK, k = e % MMQ_TK;
            const int r = r0 + i, t = t0 + i, c = k0 + k;
            ws[i][k] = r < rows && c < cols ? qtype<TYPE>::dequant(w + r * rb, c) : 0.0f;
            xs[i][k] = t < n_tokens && c < cols ? x[(long long) t * cols + c] : 0.0f;
        }
        __syncthreads();
#pragma unroll 8
        for (int k = 0; k < MMQ_TK; k++) {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; i++) {
                a[i] = ws[tr + 16 * i][k];
                b[i] = xs[tt + 16 * i][k];
            }
#pragma unroll
            for (int i = 0; i < 4; i++) {
#pragma unroll
                for (int j = 0; j < 4; j++) {
                    acc[i][j] += a[i] * b[j];
                }
            }
        }
        __syncthreads();
    }
#pragma unroll
    for (int j = 0; j < 4; j++) {
        const int t = t0 + tt + 16 * j;
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const int r = r0 + tr + 16 * i;
            if (t < n_tokens && r < rows) {
                out[(long long) t * rows + r] = acc[i][j];
            }
        }
    }
}

template <int TYPE>
struct mmq_cuda {
    static void run(float* out, const uint8_t* w, long long rb, int rows, int cols, const float* x, int n_tokens,
                     cudaStream_t s) {
        const dim3 grid(ceil_div(rows, MMQ_TR), ceil_div(n_tokens, MMQ_TT));
        mmq_tiled<TYPE><<<grid, MMQ_THREADS, 0, s>>>(out, w, rb, rows, cols, x, n_tokens);
    }
};

extern "C" int l4j_mmq(l4j_ptr_t out, l4j_ptr_t w, int type, int rows, int cols, l4j_ptr_t x, int n_tokens,
                       l4j_stream_t stream) {
    L4J_REQUIRE(rows > 0 && n_tokens > 0 && n_tokens <= 65535 * MMQ_TT, "rows and n_tokens must be positive");
    const long long rb = row_bytes(type, cols);
    L4J_REQUIRE(rb > 0 || !l4j_type_supported(type), "cols must be a positive whole number of blocks");
    const bool ok = dispatch_type<mmq_cuda>(type, dptr<float>(out), dptr<const uint8_t>(w), rb,
                                              rows, cols, dptr<const float>(x), n_tokens, l4j_stream(stream));
    if (!ok) {
        return l4j_set_error(L4J_ERR_TYPE, __func__, "unsupported weight type");
    }
    CUDA_CHECK_LAUNCH();
    return L4J_OK;
}
