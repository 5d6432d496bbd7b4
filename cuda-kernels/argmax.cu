// Greedy sampling on the device: index of the largest logit, lowest index among equals, NaN never wins.
#include "common.cuh"

// (value, index) order: larger value first, then lower index; NaN loses to everything.
__device__ __forceinline__ bool better(float v, int i, float bv, int bi) {
    if (isnan(v)) {
        return false;
    }
    if (isnan(bv) || bi < 0) {
        return true;
    }
    return v > bv || (v == bv && i < bi);
}

__global__ void argmax_f32(int* out, const float* x, int n) {
    float bv = 0.0f;
    int bi = -1;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        if (better(x[i], i, bv, bi)) {
            bv = x[i];
            bi = i;
        }
    }
#pragma unroll
    for (int o = L4J_WARP / 2; o > 0; o >>= 1) {
        const float ov = __shfl_xor_sync(0xffffffffu, bv, o);
        const int oi = __shfl_xor_sync(0xffffffffu, bi, o);
        if (oi >= 0 && better(ov, oi, bv, bi)) {
            bv = ov;
            bi = oi;
        }
    }
    __shared__ float sv[32];
    __shared__ int si[32];
    const int lane = threadIdx.x % L4J_WARP, warp = threadIdx.x / L4J_WARP;
    if (lane == 0) {
        sv[warp] = bv;
        si[warp] = bi;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        for (int w = 1; w < (int) (blockDim.x / L4J_WARP); w++) {
            if (si[w] >= 0 && better(sv[w], si[w], bv, bi)) {
                bv = sv[w];
                bi = si[w];
            }
        }
        *out = bi < 0 ? 0 : bi;  // all NaN: token 0
    }
}

static void argmax_f32_cuda(int* out, const float* x, int n, cudaStream_t s) {
    argmax_f32<<<1, 1024, 0, s>>>(out, x, n);
}

extern "C" int l4j_argmax(l4j_ptr_t out_index, l4j_ptr_t x, int n, l4j_stream_t stream) {
    L4J_REQUIRE(n > 0, "n must be positive");
    argmax_f32_cuda(dptr<int>(out_index), dptr<const float>(x), n, l4j_stream(stream));
    CUDA_CHECK_LAUNCH();
    return L4J_OK;
}
