// Stores the step's keys and values into the layer's F16 caches ([context][kv_dim]) at positions *pos + t.
#include "common.cuh"

__global__ void kv_store_f16(__half* kc, __half* vc, const float* k, const float* v, int kv_dim, int context,
                             const int* pos) {
    const int t = blockIdx.y;
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    const int p = *pos + t;
    if (i >= kv_dim || p < 0 || p >= context) {
        return;
    }
    const long long src = (long long) t * kv_dim + i;
    const long long dst = (long long) p * kv_dim + i;
    kc[dst] = __float2half_rn(k[src]);
    vc[dst] = __float2half_rn(v[src]);
}

static void kv_store_f16_cuda(__half* kc, __half* vc, const float* k, const float* v, int kv_dim, int n_tokens,
                              int context, const int* pos, cudaStream_t s) {
    kv_store_f16<<<dim3(ceil_div(kv_dim, 256), n_tokens), 256, 0, s>>>(kc, vc, k, v, kv_dim, context, pos);
}

extern "C" int l4j_kv_store(l4j_ptr_t k_cache, l4j_ptr_t v_cache, l4j_ptr_t k, l4j_ptr_t v, int kv_dim,
                            int n_tokens, int context_length, l4j_ptr_t pos, l4j_stream_t stream) {
    L4J_REQUIRE(kv_dim > 0 && n_tokens > 0 && n_tokens <= 65535 && context_length > 0,
                "kv_dim, n_tokens (<= 65535) and context_length must be positive");
    kv_store_f16_cuda(dptr<__half>(k_cache), dptr<__half>(v_cache), dptr<const float>(k), dptr<const float>(v),
                      kv_dim, n_tokens, context_length, dptr<const int>(pos), l4j_stream(stream));
    CUDA_CHECK_LAUNCH();
    return L4J_OK;
}
