// Causal grouped-query attention over the F16 KV cache, split over the sequence (flash-decoding):
//   attn_split:   block (head, split, token) computes, over its positions, the running max m, the sum l of
//                 exp(score - m) and o = sum exp(score - m) * v (one online softmax per warp, merged in the block);
//   attn_combine: per (head, token) merges the splits: M = max m_s, out = sum o_s e^(m_s-M) / sum l_s e^(m_s-M).
// Token t of the step sits at position *pos + t and sees positions 0 .. *pos + t (device memory: graph replay).
// The same kernels serve decode (one token) and batched causal prefill.
#include "common.cuh"

#define ATT_WARPS 4
#define ATT_MAX_HS 256
#define ATT_PER_LANE (ATT_MAX_HS / L4J_WARP)

struct attn_params {
    float* out;             // [n_tokens][n_heads * head_size]
    const float* q;         // [n_tokens][n_heads * head_size]
    const __half* kc;       // [context][n_kv_heads * head_size]
    const __half* vc;       // [context][n_kv_heads * head_size]
    const int* pos;         // start position of the step
    float* scratch;         // [n_tokens][n_heads][n_splits][head_size + 2]
    int n_heads, n_kv_heads, head_size, context, split_len, n_splits;
    float scale;            // 1 / sqrt(head_size)
};

__global__ void __launch_bounds__(ATT_WARPS * L4J_WARP) attn_split(attn_params p) {
    const int h = blockIdx.x, sp = blockIdx.y, t = blockIdx.z;
    const int lane = threadIdx.x % L4J_WARP, warp = threadIdx.x / L4J_WARP;
    const int hs = p.head_size;
    const int n_kv = min(*p.pos + t + 1, p.context);
    const int start = sp * p.split_len;
    const int end = sp == p.n_splits - 1 ? n_kv : min(start + p.split_len, n_kv);
    const int kvh = h / (p.n_heads / p.n_kv_heads);
    const long long kv_dim = (long long) p.n_kv_heads * hs;

    __shared__ float qs[ATT_MAX_HS];
    __shared__ float wm[ATT_WARPS], wl[ATT_WARPS];
    __shared__ float wo[ATT_WARPS][ATT_MAX_HS];
    const float* qh = p.q + ((long long) t * p.n_heads + h) * hs;
    for (int d = threadIdx.x; d < hs; d += blockDim.x) {
        qs[d] = qh[d] * p.scale;
    }
    __syncthreads();

    float m = -INFINITY, l = 0.0f;
    float o[ATT_PER_LANE];
#pragma unroll
    for (int i = 0; i < ATT_PER_LANE; i++) {
        o[i] = 0.0f;
    }
    for (int j = start + warp; j < end; j += ATT_WARPS) {
        const __half* kr = p.kc + j * kv_dim + kvh * hs;
        const __half* vr = p.vc + j * kv_dim + kvh * hs;
        float s = 0.0f;
        for (int d = lane; d < hs; d += L4J_WARP) {
            s += qs[d] * __half2float(kr[d]);
        }
        s = warp_sum(s);
        const float mn = fmaxf(m, s);
        const float corr = expf(m - mn);  // m = -inf: 0
        const float e = expf(s - mn);
        l = l * corr + e;
#pragma unroll
        for (int i = 0; i < ATT_PER_LANE; i++) {
            const int d = lane + L4J_WARP * i;
            if (d < hs) {
                o[i] = o[i] * corr + e * __half2float(vr[d]);
            }
        }
        m = mn;
    }
    if (lane == 0) {
        wm[warp] = m;
        wl[warp] = l;
    }
#pragma unroll
    for (int i = 0; i < ATT_PER_LANE; i++) {
        const int d = lane + L4J_WARP * i;
        if (d < hs) {
            wo[warp][d] = o[i];
        }
    }
    __syncthreads();

    float bm = -INFINITY;
    for (int w = 0; w < ATT_WARPS; w++) {
        bm = fmaxf(bm, wm[w]);
    }
    float* part = p.scratch + (((long long) t * p.n_heads + h) * p.n_splits + sp) * (hs + 2);
    for (int d = threadIdx.x; d < hs; d += blockDim.x) {
        float acc = 0.0f;
        for (int w = 0; w < ATT_WARPS; w++) {
            if (wm[w] != -INFINITY) {
                acc += wo[w][d] * expf(wm[w] - bm);
            }
        }
        part[2 + d] = acc;
    }
    if (threadIdx.x == 0) {
        float bl = 0.0f;
        for (int w = 0; w < ATT_WARPS; w++) {
            if (wm[w] != -INFINITY) {
                bl += wl[w] * expf(wm[w] - bm);
            }
        }
        part[0] = bm;
        part[1] = bl;
    }
}

__global__ void attn_combine(attn_params p) {
    const int h = blockIdx.x, t = blockIdx.y;
    const int hs = p.head_size;
    const float* parts = p.scratch + ((long long) t * p.n_heads + h) * p.n_splits * (hs + 2);
    float bm = -INFINITY;
    for (int s = 0; s < p.n_splits; s++) {
        bm = fmaxf(bm, parts[s * (hs + 2)]);
    }
    float bl = 0.0f;
    for (int s = 0; s < p.n_splits; s++) {
        const float ms = parts[s * (hs + 2)];
        if (ms != -INFINITY) {
            bl += parts[s * (hs + 2) + 1] * expf(ms - bm);
        }
    }
    float* y = p.out + ((long long) t * p.n_heads + h) * hs;
    for (int d = threadIdx.x; d < hs; d += blockDim.x) {
        float acc = 0.0f;
        for (int s = 0; s < p.n_splits; s++) {
            const float ms = parts[s * (hs + 2)];
            if (ms != -INFINITY) {
                acc += parts[s * (hs + 2) + 2 + d] * expf(ms - bm);
            }
        }
        y[d] = bl > 0.0f ? acc / bl : 0.0f;
    }
}

static void attention_cuda(const attn_params& p, int n_tokens, cudaStream_t s) {
    attn_split<<<dim3(p.n_heads, p.n_splits, n_tokens), ATT_WARPS * L4J_WARP, 0, s>>>(p);
    attn_combine<<<dim3(p.n_heads, n_tokens), 128, 0, s>>>(p);
}

extern "C" long long l4j_attention_scratch_bytes(int n_tokens, int n_heads, int head_size, int n_splits) {
    return (long long) n_tokens * n_heads * n_splits * (head_size + 2) * (long long) sizeof(float);
}

extern "C" int l4j_attention(l4j_ptr_t out, l4j_ptr_t q, l4j_ptr_t k_cache, l4j_ptr_t v_cache, int n_tokens,
                             int n_heads, int n_kv_heads, int head_size, int context_length, l4j_ptr_t pos,
                             int split_len, int n_splits, l4j_ptr_t scratch, l4j_stream_t stream) {
    L4J_REQUIRE(n_tokens > 0 && n_tokens <= 65535, "n_tokens must be in 1..65535");
    L4J_REQUIRE(n_kv_heads > 0 && n_heads > 0 && n_heads % n_kv_heads == 0,
                "n_heads must be a positive multiple of n_kv_heads");
    L4J_REQUIRE(head_size > 0 && head_size <= ATT_MAX_HS, "head_size must be in 1..256");
    L4J_REQUIRE(split_len > 0 && n_splits > 0 && n_splits <= 65535 && context_length > 0,
                "split_len, n_splits and context_length must be positive");
    attn_params p;
    p.out = dptr<float>(out);
    p.q = dptr<const float>(q);
    p.kc = dptr<const __half>(k_cache);
    p.vc = dptr<const __half>(v_cache);
    p.pos = dptr<const int>(pos);
    p.scratch = dptr<float>(scratch);
    p.n_heads = n_heads;
    p.n_kv_heads = n_kv_heads;
    p.head_size = head_size;
    p.context = context_length;
    p.split_len = split_len;
    p.n_splits = n_splits;
    p.scale = 1.0f / sqrtf((float) head_size);
    attention_cuda(p, n_tokens, l4j_stream(stream));
    CUDA_CHECK_LAUNCH();
    return L4J_OK;
}
