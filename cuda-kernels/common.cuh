// Shared helpers for the llama4j CUDA kernels: error checks, warp reductions, launch bookkeeping.
#pragma once

#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <stdint.h>

#include "llama4j_cuda.h"

#define L4J_WARP 32

// Records the failing call for l4j_last_error_string() (defined in native/llama4j_cuda.cpp).
extern "C" int l4j_set_error(int code, const char* where, const char* detail);

// Checks a CUDA runtime call inside an exported function; returns its code on failure.
#define CUDA_CHECK(call)                                                    \
    do {                                                                    \
        cudaError_t err_ = (call);                                          \
        if (err_ != cudaSuccess) {                                          \
            return l4j_set_error((int) err_, __func__, #call);              \
        }                                                                   \
    } while (0)

// After a launch: picks up configuration errors (bad geometry, missing SASS) of that launch.
#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())

// Argument validation inside an exported function.
#define L4J_REQUIRE(cond, msg)                                               \
    do {                                                                    \
        if (!(cond)) {                                                      \
            return l4j_set_error(L4J_ERR_ARG, __func__, msg);               \
        }                                                                   \
    } while (0)

static inline cudaStream_t l4j_stream(l4j_stream_t s) {
    return (cudaStream_t) (uintptr_t) s;
}

template <typename T>
static inline T* dptr(l4j_ptr_t p) {
    return (T*) (uintptr_t) p;
}

static inline int ceil_div(long long a, long long b) {
    return (int) ((a + b - 1) / b);
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = L4J_WARP / 2; o > 0; o >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, o);
    }
    return v;
}

__device__ __forceinline__ int warp_sum_int(int v) {
#pragma unroll
    for (int o = L4J_WARP / 2; o > 0; o >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, o);
    }
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = L4J_WARP / 2; o > 0; o >>= 1) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    }
    return v;
}

// Sum over a whole block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
__device__ __forceinline__ float block_sum(float v) {
    __shared__ float part[32];
    const int lane = threadIdx.x % L4J_WARP;
    const int warp = threadIdx.x / L4J_WARP;
    v = warp_sum(v);
    __syncthreads();  // part[] may still be read by a previous call
    if (lane == 0) {
        part[warp] = v;
    }
    __syncthreads();
    const int nw = blockDim.x / L4J_WARP;
    v = lane < nw ? part[lane] : 0.0f;
    return warp_sum(v);
}
