package dev.llama4j.backend;

/**
 * A backend that can measure the memory bandwidth its weights are read at: the roofline of batch-1 decoding, which
 * reads every weight once per token. The CPU backend times a multithreaded sequential read of the weights it holds;
 * a GPU backend times a device-to-device copy. {@code llama4j bench} reports decode GB/s against it.
 */
public interface BandwidthProbe {

    /** How the bandwidth is measured, in words (for reports). */
    String method();

    /** The measured bandwidth in bytes per second (best of a few runs). */
    double bytesPerSecond();
}
