// Glue of the llama4j kernel library: per-thread error messages, code names and small queries.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstring>

#include "llama4j_cuda.h"

namespace {
thread_local char last_error[512] = "";
}

extern "C" int l4j_set_error(int code, const char* where, const char* detail) {
    const char* name = l4j_error_name(code);
    const char* text = code > 0 ? cudaGetErrorString((cudaError_t) code) : "invalid argument";
    std::snprintf(last_error, sizeof last_error, "%s: %s failed: %s (%d): %s", where, detail, name, code, text);
    return code;
}

extern "C" const char* l4j_last_error_string(void) {
    return last_error;
}

extern "C" const char* l4j_error_name(int code) {
    if (code == L4J_OK) {
        return "L4J_OK";
    }
    if (code == L4J_ERR_ARG) {
        return "L4J_ERR_ARG";
    }
    if (code == L4J_ERR_TYPE) {
        return "L4J_ERR_TYPE";
    }
    return cudaGetErrorName((cudaError_t) code);
}

extern "C" int l4j_runtime_version(void) {
    return CUDART_VERSION;
}

extern "C" int l4j_device_count(void) {
    int n = 0;
    cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {
        cudaGetLastError();  // clear
        l4j_set_error((int) err, "l4j_device_count", "cudaGetDeviceCount");
        return -(int) err;
    }
    return n;
}

extern "C" int l4j_type_supported(int type) {
    switch (type) {
        case L4J_F32: case L4J_F16: case L4J_BF16: case L4J_Q4_0: case L4J_Q8_0: case L4J_Q4_K: case L4J_Q6_K:
            return 1;
        default:
            return 0;
    }
}

extern "C" int l4j_type_uses_q8_1(int type) {
    return type == L4J_Q4_0 || type == L4J_Q8_0 || type == L4J_Q4_K || type == L4J_Q6_K;
}
