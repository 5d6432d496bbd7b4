package dev.llama4j.backend.cuda;

import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.JCudaDriver;

/**
 * One decode step recorded as a CUDA graph. The body is identified by the signature of its op calls (op and
 * arguments, hashed in a dry run): the graph replays only a body with the same signature, and is captured only
 * after that body ran once eagerly (so every scratch buffer it needs already exists: capture allocates nothing).
 */
final class CudaGraphStep implements AutoCloseable {
    private CUgraphExec exec;
    private long signature;
    private long lastEager;
    private boolean hasLastEager;

    /** Whether a captured graph for this signature is ready to replay. */
    boolean ready(long sig) {
        return exec != null && signature == sig;
    }

    /** Whether the previous eager step had this signature (so it may be captured now). */
    boolean capturable(long sig) {
        return hasLastEager && lastEager == sig;
    }

    void ranEagerly(long sig) {
        lastEager = sig;
        hasLastEager = true;
    }

    /** Captures {@code body} on {@code stream} (its launches are recorded, not run) and instantiates it. */
    void capture(CudaStream stream, long sig, Runnable body) {
        close();
        Cu.check(
                JCudaDriver.cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_RELAXED),
                "cuStreamBeginCapture");
        CUgraph graph = new CUgraph();
        try {
            body.run();
        } finally {
            int r = JCudaDriver.cuStreamEndCapture(stream, graph);
            Cu.check(r, "cuStreamEndCapture");
        }
        try {
            CUgraphExec e = new CUgraphExec();
            Cu.check(JCudaDriver.cuGraphInstantiate(e, graph, 0), "cuGraphInstantiate");
            exec = e;
            signature = sig;
        } finally {
            Cu.check(JCudaDriver.cuGraphDestroy(graph), "cuGraphDestroy");
        }
    }

    void launch(CudaStream stream) {
        Cu.check(JCudaDriver.cuGraphLaunch(exec, stream), "cuGraphLaunch");
    }

    @Override
    public void close() {
        if (exec != null) {
            JCudaDriver.cuGraphExecDestroy(exec);
            exec = null;
        }
    }
}
