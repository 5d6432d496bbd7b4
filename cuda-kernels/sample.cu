// The sampler's draw on the device, so the host reads back one token id per step. Mirrors
// dev.llama4j.sampling.Sampler without penalties: top-k (k in 1..L4J_SAMPLE_MAX_K, sorted by logit descending,
// lower id first on ties), top-p on the softmax of the raw logits, min-p, temperature, softmax, and the draw with
// the uniform number u that the host took from its seeded Rng. One block of L4J_SAMPLE_MAX_K threads:
//   1. radix select of the k-th smallest 64-bit key (~monotone(logit) << 32 | id: ascending = the CPU's order),
//   2. the k candidates gathered and bitonic-sorted in shared memory,
//   3. the chain on the sorted candidates; the cumulative sums run in order on one thread, in double where the
//      CPU sums in double, so the choice matches the CPU's up to exp's last bit.
#include "common.cuh"

#define SAMPLE_THREADS L4J_SAMPLE_MAX_K

__device__ __forceinline__ unsigned long long sample_key(const float* x, int i) {
    const float v = x[i];
    int bits = isnan(v) ? 0x7fc00000 : __float_as_int(v);  // Java's floatToIntBits canonical NaN
    const int monotone = bits ^ ((bits >> 31) & 0x7fffffff);
    return ((unsigned long long) (unsigned int) ~monotone << 32) | (unsigned int) i;
}

__global__ void __launch_bounds__(SAMPLE_THREADS)
sample_f32(int* out, const float* x, int n, int k, float top_p, float min_p, float temp, float u) {
    __shared__ unsigned long long keys[SAMPLE_THREADS];
    __shared__ int ids[SAMPLE_THREADS];
    __shared__ float lg[SAMPLE_THREADS];
    __shared__ float pr[SAMPLE_THREADS];
    __shared__ int hist[256];
    __shared__ unsigned long long prefix_s;
    __shared__ int count, size_s;
    const int tid = threadIdx.x;

    // 1. radix select: the k-th smallest key, 8 bits at a time from the top
    unsigned long long prefix = 0, mask = 0;
    int remaining = k;
    for (int shift = 56; shift >= 0; shift -= 8) {
        if (tid < 256) {
            hist[tid] = 0;
        }
        __syncthreads();
        for (int i = tid; i < n; i += SAMPLE_THREADS) {
            const unsigned long long key = sample_key(x, i);
            if ((key & mask) == prefix) {
                atomicAdd(&hist[(key >> shift) & 255], 1);
            }
        }
        __syncthreads();
        if (tid == 0) {
            int cum = 0, digit = 255;
            for (int b = 0; b < 256; b++) {
                if (cum + hist[b] >= remaining) {
                    digit = b;
                    break;
                }
                cum += hist[b];
            }
            remaining -= cum;
            prefix_s = prefix | ((unsigned long long) digit << shift);
        }
        __syncthreads();
        prefix = prefix_s;
        mask |= 255ull << shift;
    }

    // 2. gather the keys <= the k-th (exactly k: keys are unique) and sort them ascending
    keys[tid] = ~0ull;
    if (tid == 0) {
        count = 0;
    }
    __syncthreads();
    for (int i = tid; i < n; i += SAMPLE_THREADS) {
        const unsigned long long key = sample_key(x, i);
        if (key <= prefix) {
            const int slot = atomicAdd(&count, 1);
            if (slot < SAMPLE_THREADS) {
                keys[slot] = key;
            }
        }
    }
    __syncthreads();
    for (int len = 2; len <= SAMPLE_THREADS; len <<= 1) {
        for (int j = len >> 1; j > 0; j >>= 1) {
            const int p = tid ^ j;
            if (p > tid) {
                const bool up = (tid & len) == 0;
                const unsigned long long a = keys[tid], b = keys[p];
                if ((a > b) == up) {
                    keys[tid] = b;
                    keys[p] = a;
                }
            }
            __syncthreads();
        }
    }
    if (tid < k) {
        const int id = (int) (unsigned int) keys[tid];
        ids[tid] = id;
        lg[tid] = x[id];
    }
    __syncthreads();

    // 3. the chain on the sorted candidates (lg[0] is the largest)
    int size = k;
    if (top_p < 1.0f) {
        const float max = lg[0];
        if (tid < size) {
            pr[tid] = (float) exp((double) (lg[tid] - max));
        }
        __syncthreads();
        if (tid == 0) {
            double sum = 0;
            for (int i = 0; i < size; i++) {
                sum += pr[i];
            }
            const float inv = (float) (1.0 / sum);
            double cum = 0;
            int keep = size;
            for (int i = 0; i < size; i++) {
                cum += __fmul_rn(pr[i], inv);
                if (cum >= top_p) {
                    keep = i + 1;
                    break;
                }
            }
            size_s = keep < 1 ? 1 : keep;
        }
        __syncthreads();
        size = size_s;
    }
    if (min_p > 0.0f) {
        const float threshold = __fadd_rn(lg[0], (float) log((double) min_p));
        if (tid == 0) {
            int m = 0;
            while (m < size && lg[m] >= threshold) {
                m++;
            }
            size_s = m < 1 ? 1 : m;
        }
        __syncthreads();
        size = size_s;
    }
    const float inv_t = __fdiv_rn(1.0f, temp);
    if (tid < size) {
        lg[tid] = __fmul_rn(lg[tid], inv_t);
    }
    __syncthreads();
    const float max = lg[0];
    if (tid < size) {
        pr[tid] = (float) exp((double) (lg[tid] - max));
    }
    __syncthreads();
    if (tid == 0) {
        double sum = 0;
        for (int i = 0; i < size; i++) {
            sum += pr[i];
        }
        const float inv = (float) (1.0 / sum);
        float cdf = 0.0f;
        int pick = ids[size - 1];  // rounding: u beyond the summed probabilities
        for (int i = 0; i < size; i++) {
            cdf = __fadd_rn(cdf, __fmul_rn(pr[i], inv));
            if (u < cdf) {
                pick = ids[i];
                break;
            }
        }
        *out = pick;
    }
}

static void sample_f32_cuda(int* out, const float* x, int n, int k, float top_p, float min_p, float temp, float u,
                            cudaStream_t s) {
    sample_f32<<<1, SAMPLE_THREADS, 0, s>>>(out, x, n, k, top_p, min_p, temp, u);
}

extern "C" int l4j_sample(l4j_ptr_t out_index, l4j_ptr_t logits, int n, int top_k, float top_p, float min_p,
                          float temperature, float u, l4j_stream_t stream) {
    L4J_REQUIRE(n > 0, "n must be positive");
    L4J_REQUIRE(top_k >= 1 && top_k <= L4J_SAMPLE_MAX_K, "top_k must be in 1..L4J_SAMPLE_MAX_K");
    L4J_REQUIRE(top_p > 0.0f && top_p <= 1.0f, "top_p must be in (0, 1]");
    L4J_REQUIRE(min_p >= 0.0f && min_p < 1.0f, "min_p must be in [0, 1)");
    L4J_REQUIRE(temperature > 0.0f, "temperature must be > 0 (0 is greedy: use l4j_argmax)");
    L4J_REQUIRE(u >= 0.0f && u < 1.0f, "u must be in [0, 1)");
    sample_f32_cuda(dptr<int>(out_index), dptr<const float>(logits), n, top_k < n ? top_k : n, top_p, min_p,
                    temperature, u, l4j_stream(stream));
    CUDA_CHECK_LAUNCH();
    return L4J_OK;
}
