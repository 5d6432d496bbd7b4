// Rotary position embedding, llama pairing: (v[2i], v[2i+1]) of each head rotated by pos * theta^(-2i/rope_dim)
// for 2i < rope_dim. Token t of the step is at position *pos + t (device memory, so graphs can replay).
#include "common.cuh"

__global__ void rope_f32(float* v, int width, int head_size, int rope_dim, float theta, const int* pos) {
    const int t = blockIdx.y;
    const int pairs_per_head = rope_dim / 2;
    const int n_heads = width / head_size;
    const int idx = blockIdx.x * blockDim.x + threadIdx.x;  // pair index over all heads
    if (idx >= n_heads * pairs_per_head) {
        return;
    }
    const int h = idx / pairs_per_head, i = idx % pairs_per_head;
    const float p = (float) (*pos + t);
    const float freq = powf(theta, -2.0f * i / rope_dim);
    float sn, cs;
    sincosf(p * freq, &sn, &cs);
    float* x = v + (long long) t * width + h * head_size + 2 * i;
    const float a = x[0], b = x[1];
    x[0] = a * cs - b * sn;
    x[1] = a * sn + b * cs;
}

static void rope_f32_cuda(float* v, int n_tokens, int width, int head_size, int rope_dim, float theta,
                          const int* pos, cudaStream_t s) {
    const int pairs = width / head_size * (rope_dim / 2);
    const int threads = 128;
    rope_f32<<<dim3(ceil_div(pairs, threads), n_tokens), threads, 0, s>>>(v, width, head_size, rope_dim, theta,
                                                                          pos);
}

extern "C" int l4j_rope(l4j_ptr_t v, int n_tokens, int width, int head_size, int rope_dim, float theta,
                        l4j_ptr_t pos, l4j_stream_t stream) {
    L4J_REQUIRE(n_tokens > 0 && head_size > 0 && width % head_size == 0, "width must be a multiple of head_size");
    L4J_REQUIRE(rope_dim > 0 && rope_dim <= head_size && rope_dim % 2 == 0, "rope_dim must be even, <= head_size");
    L4J_REQUIRE(n_tokens <= 65535, "n_tokens must be <= 65535");
    rope_f32_cuda(dptr<float>(v), n_tokens, width, head_size, rope_dim, theta, dptr<const int>(pos),
                  l4j_stream(stream));
    CUDA_CHECK_LAUNCH();
    return L4J_OK;
}
