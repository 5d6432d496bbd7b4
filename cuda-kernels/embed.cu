// Embedding lookup: out[t] = dequantized row tokens[t] of the table, one block per token; ids from device memory.
#include "quant.cuh"

template <int TYPE>
__global__ void embed_rows(float* out, const uint8_t* table, long long row_bytes, int dim, int vocab,
                           const int* tokens) {
    const int t = blockIdx.x;
    const int id = tokens[t];
    float* y = out + (long long) t * dim;
    const bool ok = id >= 0 && id < vocab;
    const uint8_t* row = table + (long long) (ok ? id : 0) * row_bytes;
    for (int k = threadIdx.x; k < dim; k += blockDim.x) {
        y[k] = ok ? qtype<TYPE>::dequant(row, k) : 0.0f;
    }
}

template <int TYPE>
struct embed_rows_cuda {
    static void run(float* out, const uint8_t* table, long long rb, int dim, int vocab, const int* tokens,
                          int n_tokens, cudaStream_t s) {
        embed_rows<TYPE><<<n_tokens, 256, 0, s>>>(out, table, rb, dim, vocab, tokens);
    }
};

extern "C" int l4j_embed(l4j_ptr_t out, l4j_ptr_t table, int type, int dim, int vocab, l4j_ptr_t tokens,
                         int n_tokens, l4j_stream_t stream) {
    L4J_REQUIRE(n_tokens > 0 && vocab > 0, "n_tokens and vocab must be positive");
    const long long rb = row_bytes(type, dim);
    L4J_REQUIRE(rb > 0, "dim must be a positive whole number of blocks of a supported type");
    const bool ok = dispatch_type<embed_rows_cuda>(type, dptr<float>(out), dptr<const uint8_t>(table), rb, dim,
                                              vocab, dptr<const int>(tokens), n_tokens, l4j_stream(stream));
    if (!ok) {
        return l4j_set_error(L4J_ERR_TYPE, __func__, "unsupported weight type");
    }
    CUDA_CHECK_LAUNCH();
    return L4J_OK;
}
