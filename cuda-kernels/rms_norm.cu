// RMSNorm fused with its weight: out = x / sqrt(mean(x^2) + eps) * w, one block per row.
#include "common.cuh"

__global__ void rms_norm_f32(float* out, const float* x, const float* w, int dim, float eps) {
    const long long row = blockIdx.x;
    const float* xr = x + row * dim;
    float* yr = out + row * dim;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        ss += xr[i] * xr[i];
    }
    ss = block_sum(ss);
    const float inv = rsqrtf(ss / dim + eps);
    for (int i = threadIdx.x; i < dim; i += blockDim.x) {
        yr[i] = xr[i] * inv * w[i];
    }
}

static void rms_norm_f32_cuda(float* out, const float* x, const float* w, int dim, int n_rows, float eps,
                              cudaStream_t s) {
    const int threads = dim >= 1024 ? 1024 : (dim >= 256 ? 256 : 32);
    rms_norm_f32<<<n_rows, threads, 0, s>>>(out, x, w, dim, eps);
}

extern "C" int l4j_rms_norm(l4j_ptr_t out, l4j_ptr_t x, l4j_ptr_t w, int dim, int n_rows, float eps,
                            l4j_stream_t stream) {
    L4J_REQUIRE(dim > 0 && n_rows > 0, "dim and n_rows must be positive");
    rms_norm_f32_cuda(dptr<float>(out), dptr<const float>(x), dptr<const float>(w), dim, n_rows, eps,
                      l4j_stream(stream));
    CUDA_CHECK_LAUNCH();
    return L4J_OK;
}
