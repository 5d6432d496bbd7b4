/*
 * llama4j CUDA kernels: the C ABI the JavaCPP binding (dev.llama4j.backend.cuda.CudaKernels) is generated from.
 *
 * Conventions:
 *  - device addresses are passed as l4j_ptr_t (the raw CUdeviceptr value, as JCuda allocates it);
 *  - the stream is a CUstream / cudaStream_t handle as a pointer-sized integer (0 = the legacy default stream);
 *  - activations are float32, laid out [n_tokens][width]; weights keep their GGUF block layout (ggml type ids);
 *  - positions and token ids are read from device memory so a decode step can be captured as a CUDA graph and
 *    replayed with new values: `pos` points to one int (the step's start position; token t is at pos + t);
 *  - every function returns 0 on success, a cudaError_t code (> 0) or an L4J_ERR_* code (< 0);
 *    l4j_last_error_string() then says which call failed and why (per thread).
 * Launches are asynchronous: an error raised while a kernel runs surfaces at the next synchronization.
 */
#ifndef LLAMA4J_CUDA_H
#define LLAMA4J_CUDA_H

#ifdef __cplusplus
extern "C" {
#endif

typedef long long l4j_ptr_t;
typedef long long l4j_stream_t;

#define L4J_OK 0
#define L4J_ERR_ARG (-1)
#define L4J_ERR_TYPE (-2)

/* ggml type ids handled by the GPU path */
#define L4J_F32 0
#define L4J_F16 1
#define L4J_Q4_0 2
#define L4J_Q8_0 8
#define L4J_Q4_K 12
#define L4J_Q6_K 14
#define L4J_BF16 30

/* Message of the last failure on this thread ("" if none): the function, the failing call and the error. */
const char* l4j_last_error_string(void);
/* Symbolic name of a return code ("cudaErrorIllegalAddress", "L4J_ERR_ARG", ...). */
const char* l4j_error_name(int code);
/* The CUDA runtime version the library was built with (e.g. 13000). */
int l4j_runtime_version(void);
/* Number of CUDA devices the runtime sees, or a negative cudaError_t code. */
int l4j_device_count(void);
/* 1 if the GPU path supports weights of this ggml type, else 0. */
int l4j_type_supported(int type);
/* 1 if mat-vec of this type quantizes the activation to q8_1 blocks first (needs l4j_quantize_q8_1). */
int l4j_type_uses_q8_1(int type);
/* Bytes of the q8_1 blocks holding n_rows rows of cols floats (cols a multiple of 32). */
long long l4j_q8_1_bytes(int cols, int n_rows);
/* Bytes of the attention scratch for these sizes. */
long long l4j_attention_scratch_bytes(int n_tokens, int n_heads, int head_size, int n_splits);

/* out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * w (w float32), for n_rows rows of dim. */
int l4j_rms_norm(l4j_ptr_t out, l4j_ptr_t x, l4j_ptr_t w, int dim, int n_rows, float eps, l4j_stream_t stream);

/* Rotary embedding in place of v[n_tokens][width] (heads of head_size), pairs (2i, 2i+1) for 2i < rope_dim. */
int l4j_rope(l4j_ptr_t v, int n_tokens, int width, int head_size, int rope_dim, float theta, l4j_ptr_t pos,
             l4j_stream_t stream);

/* out[t] = dequantized row tokens[t] of table (vocab rows of dim); ids outside [0, vocab) give zeros. */
int l4j_embed(l4j_ptr_t out, l4j_ptr_t table, int type, int dim, int vocab, l4j_ptr_t tokens, int n_tokens,
              l4j_stream_t stream);

/* Quantizes x[n_rows][cols] to q8_1 blocks of 32 (float d, float d*sum(q), int8 q[32]). */
int l4j_quantize_q8_1(l4j_ptr_t xq, l4j_ptr_t x, int cols, int n_rows, l4j_stream_t stream);

/* Decode mat-vec: out[r] = sum_c W[r][c] x[c], W rows x cols of `type`. xq: x quantized by l4j_quantize_q8_1
 * when l4j_type_uses_q8_1(type), else ignored (0 allowed). */
int l4j_mmvq(l4j_ptr_t out, l4j_ptr_t w, int type, int rows, int cols, l4j_ptr_t x, l4j_ptr_t xq,
             l4j_stream_t stream);

/* Prefill matmul: out[t][r] = sum_c W[r][c] x[t][c] for n_tokens tokens (float32 activations). */
int l4j_mmq(l4j_ptr_t out, l4j_ptr_t w, int type, int rows, int cols, l4j_ptr_t x, int n_tokens,
            l4j_stream_t stream);

/* Writes k[t], v[t] (kv_dim floats) as F16 at position pos + t of the layer's caches ([context][kv_dim]).
 * Positions outside the context are skipped. */
int l4j_kv_store(l4j_ptr_t k_cache, l4j_ptr_t v_cache, l4j_ptr_t k, l4j_ptr_t v, int kv_dim, int n_tokens,
                 int context_length, l4j_ptr_t pos, l4j_stream_t stream);

/* Causal GQA attention of q[n_tokens][n_heads*head_size] over the layer's F16 caches: token t attends to
 * positions 0 .. pos + t. The sequence is split into n_splits parts of split_len positions
 * (n_splits * split_len >= pos + n_tokens), combined with a stable softmax. head_size <= 256. */
int l4j_attention(l4j_ptr_t out, l4j_ptr_t q, l4j_ptr_t k_cache, l4j_ptr_t v_cache, int n_tokens, int n_heads,
                  int n_kv_heads, int head_size, int context_length, l4j_ptr_t pos, int split_len, int n_splits,
                  l4j_ptr_t scratch, l4j_stream_t stream);

/* hb[i] = silu(hb[i]) * hb2[i] for i < n. */
int l4j_swiglu(l4j_ptr_t hb, l4j_ptr_t hb2, long long n, l4j_stream_t stream);

/* x[i] += y[i] for i < n. */
int l4j_add(l4j_ptr_t x, l4j_ptr_t y, long long n, l4j_stream_t stream);

/* *out_index = index of the largest of x[0..n) (lowest index among equals; NaN never wins). */
int l4j_argmax(l4j_ptr_t out_index, l4j_ptr_t x, int n, l4j_stream_t stream);

/* The sampler's draw (no penalties): top-k (1..L4J_SAMPLE_MAX_K), top-p, min-p (0 = off), temperature (> 0),
 * softmax, and the first candidate (sorted by logit descending, lower id first) whose cumulative probability
 * exceeds u in [0, 1). Writes the token id to *out_index. Matches dev.llama4j.sampling.Sampler#sampleWith. */
#define L4J_SAMPLE_MAX_K 1024
int l4j_sample(l4j_ptr_t out_index, l4j_ptr_t logits, int n, int top_k, float top_p, float min_p, float temperature,
               float u, l4j_stream_t stream);

/* Deliberate faults for tests: kind 0 = a launch the runtime rejects (cudaErrorInvalidConfiguration, context stays
 * usable); kind 1 = a kernel writing to `address` (an address nothing owns gives cudaErrorIllegalAddress at the
 * next synchronization, which poisons the context for the rest of the process). */
int l4j_fault(int kind, l4j_ptr_t address, l4j_stream_t stream);

#ifdef __cplusplus
}
#endif

#endif /* LLAMA4J_CUDA_H */
