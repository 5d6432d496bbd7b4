// Deliberate faults, for the tests that check a CUDA error becomes a Java exception (CudaException) instead of a
// crash. Kind 0: a launch the runtime rejects (2048 threads per block: cudaErrorInvalidConfiguration, reported by
// the launch check, the context stays usable). Kind 1: a kernel that writes to `address` (pass an address nothing
// owns: cudaErrorIllegalAddress surfaces at the next synchronization and poisons the context for the process).
#include "common.cuh"

__global__ void fault_write(int* p) {
    *(volatile int*) p = 1;
}

static void fault_cuda(int kind, int* p, cudaStream_t s) {
    fault_write<<<1, kind == 0 ? 2048 : 1, 0, s>>>(p);
}

extern "C" int l4j_fault(int kind, l4j_ptr_t address, l4j_stream_t stream) {
    L4J_REQUIRE(kind == 0 || kind == 1, "kind must be 0 (bad launch) or 1 (illegal address)");
    fault_cuda(kind, dptr<int>(address), l4j_stream(stream));
    CUDA_CHECK_LAUNCH();
    return L4J_OK;
}
