// SwiGLU gate: hb = silu(hb) * hb2.
#include "common.cuh"

__global__ void swiglu_f32(float* hb, const float* hb2, long long n) {
    const long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        const float g = hb[i];
        hb[i] = g / (1.0f + expf(-g)) * hb2[i];
    }
}

static void swiglu_f32_cuda(float* hb, const float* hb2, long long n, cudaStream_t s) {
    swiglu_f32<<<ceil_div(n, 256), 256, 0, s>>>(hb, hb2, n);
}

extern "C" int l4j_swiglu(l4j_ptr_t hb, l4j_ptr_t hb2, long long n, l4j_stream_t stream) {
    L4J_REQUIRE(n > 0, "n must be positive");
    swiglu_f32_cuda(dptr<float>(hb), dptr<const float>(hb2), n, l4j_stream(stream));
    CUDA_CHECK_LAUNCH();
    return L4J_OK;
}
