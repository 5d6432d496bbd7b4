// Residual add: x += y.
#include "common.cuh"

__global__ void add_f32(float* x, const float* y, long long n) {
    const long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        x[i] += y[i];
    }
}

static void add_f32_cuda(float* x, const float* y, long long n, cudaStream_t s) {
    add_f32<<<ceil_div(n, 256), 256, 0, s>>>(x, y, n);
}

extern "C" int l4j_add(l4j_ptr_t x, l4j_ptr_t y, long long n, l4j_stream_t stream) {
    L4J_REQUIRE(n > 0, "n must be positive");
    add_f32_cuda(dptr<float>(x), dptr<const float>(y), n, l4j_stream(stream));
    CUDA_CHECK_LAUNCH();
    return L4J_OK;
}
