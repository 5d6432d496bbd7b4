package dev.llama4j.backend.cpu;

/**
 * Whether this JVM has the Java Vector API: the incubating module {@code jdk.incubator.vector} is only there when the
 * JVM is started with {@code --add-modules jdk.incubator.vector} (the launcher does; an application embedding the
 * engine may not). Without it no class of the vector path may be touched: {@link CpuBackend#create} then runs the
 * scalar reference instead, after one warning. This class itself references nothing of the module.
 */
public final class VectorSupport {
    private VectorSupport() {}

    /** The module's name, as {@code --add-modules} takes it. */
    public static final String MODULE = "jdk.incubator.vector";

    private static final boolean AVAILABLE = ModuleLayer.boot().findModule(MODULE).isPresent();

    /** Whether the Vector API can be used (decided once, when this class loads). */
    public static boolean available() {
        return AVAILABLE;
    }
}
