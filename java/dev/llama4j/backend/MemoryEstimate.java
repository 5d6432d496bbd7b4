package dev.llama4j.backend;

import dev.llama4j.Llama4jException;
import java.util.Locale;

/**
 * What running a model on one backend takes in memory, worked out before anything is loaded, and what the machine
 * (or device) has. {@link #check} turns a model that cannot fit into one clear error with the numbers and what to
 * change, instead of an {@link OutOfMemoryError} or the OS killing the process half-way through.
 *
 * @param backend        "cpu" or "cuda"
 * @param weights        bytes of weights held for the products: repacked copies, and mapped tensors the products
 *                       read in place (those live in the page cache, and every step reads all of them)
 * @param weightsForm    the weights in words, by type and form (e.g. "Q4_0 lane-packed 4.26 GB")
 * @param pageable       whether the weights are only read from the mapped file ({@code --mapped}): they then need
 *                       not fit, the OS pages them in as steps read them (slowly when they do not fit)
 * @param kvCache        bytes of KV cache for every context
 * @param kvForm         the KV cache in words ("F32, 4096 positions × 1 context")
 * @param scratch        activation buffers and per-thread scratch
 * @param loadTransient  extra bytes held while loading (a tensor's mapped pages before its copy is made)
 * @param contextLength  positions per context the estimate is for
 * @param kvPerPosition  KV bytes one more position of context costs (all contexts together)
 * @param available      what the machine or device has, {@link MemoryInfo#bytes()} -1 when unknown
 */
public record MemoryEstimate(String backend, long weights, String weightsForm, boolean pageable, long kvCache,
                             String kvForm, long scratch, long loadTransient, int contextLength, long kvPerPosition,
                             MemoryInfo available) {

    /** Bytes that must be resident: weights (unless pageable), KV cache, scratch, load transient. */
    public long needed() {
        return (pageable ? 0 : weights) + kvCache + scratch + loadTransient;
    }

    /** Whether {@link #needed()} fits in what is available (true when that is unknown). */
    public boolean fits() {
        return available.bytes() < 0 || needed() <= available.bytes();
    }

    /** One line: the parts, the total, what is available and whether it fits. */
    public String describe() {
        String weightPart = pageable ? "weights " + gb(weights) + " read from the mapped file (" + weightsForm + ")"
                : "weights " + gb(weights) + " (" + weightsForm + ")";
        String avail = available.bytes() < 0 ? "available: unknown (" + available.source() + ")"
                : "available " + gb(available.bytes()) + " (" + available.source() + ")";
        return String.format(Locale.ROOT, "%s: needs %s = %s + KV cache %s (%s) + scratch %s + load %s; %s: %s",
                backend, gb(needed()), weightPart, gb(kvCache), kvForm, gb(scratch), gb(loadTransient), avail,
                available.bytes() < 0 ? "fit unknown" : fits() ? "fits" : "does NOT fit");
    }

    /**
     * Throws a {@link Llama4jException} naming the numbers and what to change when the model does not fit.
     *
     * @param model the model in words ("llama2-7b-q4_0.gguf")
     */
    public void check(String model) {
        if (fits()) {
            return;
        }
        java.util.List<String> tries = new java.util.ArrayList<>();
        long room = available.bytes() - (needed() - kvCache);
        int fitting = room > 0 && kvPerPosition > 0 ? (int) Math.min(contextLength, room / kvPerPosition) : 0;
        fitting = fitting >= 512 ? fitting / 256 * 256 : fitting;
        if (fitting >= 256 && fitting < contextLength) {
            tries.add("--context " + fitting);
        }
        boolean cpu = backend.equals("cpu");
        if (cpu && kvForm.startsWith("F32")) {
            tries.add("--kv-f16 (half the KV cache)");
        }
        if (!pageable) {
            tries.add("a smaller quantization");
        }
        if (cpu && !pageable) {
            tries.add("--mapped (compute on the mapped file without repacking; slow when the model exceeds memory)");
        }
        String advice = tries.size() == 1 ? tries.get(0)
                : String.join(", ", tries.subList(0, tries.size() - 1)) + " or " + tries.get(tries.size() - 1);
        throw new Llama4jException(String.format(Locale.ROOT, "%s does not fit on the %s: it needs %s (%s) but %s"
                        + " is available (%s); try %s", model, cpu ? "CPU" : "GPU", gb(needed()), describeParts(),
                gb(available.bytes()), available.source(), advice));
    }

    private String describeParts() {
        return (pageable ? "" : "weights " + gb(weights) + ", ") + "KV cache " + gb(kvCache) + " (" + kvForm + ")"
                + ", scratch " + gb(scratch) + (loadTransient > 0 ? ", load " + gb(loadTransient) : "");
    }

    /** Bytes in GB (10^9), two decimals: what llama.cpp and the OS tools print. */
    public static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
    }
}
