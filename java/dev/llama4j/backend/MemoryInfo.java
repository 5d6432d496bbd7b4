package dev.llama4j.backend;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * How much more memory this process can use, from the OS: the smaller of the kernel's estimate of memory available
 * without swapping ({@code MemAvailable} in {@code /proc/meminfo}) and the room left under this process's cgroup
 * limit (v2 {@code memory.max}, v1 {@code memory.limit_in_bytes}; page cache counts as free, since the kernel
 * reclaims it first). Elsewhere the JVM's figure of free physical memory.
 *
 * @param bytes  bytes available, or -1 when nothing tells
 * @param source where the figure comes from, in words
 */
public record MemoryInfo(long bytes, String source) {

    /** What the OS says now. */
    public static MemoryInfo available() {
        return available(Path.of("/"));
    }

    /** As {@link #available()}, reading {@code /proc} and {@code /sys} under {@code root} (tests use a fake tree). */
    static MemoryInfo available(Path root) {
        MemoryInfo best = null;
        OptionalLong memAvailable = meminfo(root.resolve("proc/meminfo"), "MemAvailable");
        if (memAvailable.isPresent()) {
            best = new MemoryInfo(memAvailable.getAsLong(), "MemAvailable");
        }
        MemoryInfo cgroup = cgroup(root);
        if (cgroup != null && (best == null || cgroup.bytes < best.bytes)) {
            best = cgroup;
        }
        if (best != null) {
            return best;
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return new MemoryInfo(os.getFreeMemorySize(), "free physical memory");
        }
        return new MemoryInfo(-1, "unknown");
    }

    /** The smaller of this and a limit the user set ({@code limit <= 0}: none). */
    public MemoryInfo capped(long limit, String what) {
        return limit > 0 && (bytes < 0 || limit < bytes) ? new MemoryInfo(limit, what) : this;
    }

    /** Room under the cgroup limit, or null where there is none (no cgroup file, or no limit). */
    private static MemoryInfo cgroup(Path root) {
        String group = "";
        try {
            for (String line : Files.readAllLines(root.resolve("proc/self/cgroup"))) {
                // v2: "0::/path"; v1: "N:memory:/path" (or "N:...,memory,...:/path")
                String[] f = line.split(":", 3);
                if (f.length == 3 && (f[0].equals("0") && f[1].isEmpty() || List.of(f[1].split(",")).contains("memory"))) {
                    group = f[2];
                    if (!f[0].equals("0")) {
                        return v1(root.resolve("sys/fs/cgroup/memory").resolve(strip(group)));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return v2(root.resolve("sys/fs/cgroup").resolve(strip(group)));
    }

    private static String strip(String group) {
        return group.startsWith("/") ? group.substring(1) : group;
    }

    private static MemoryInfo v2(Path dir) {
        // Walk up: a limit may be set on an ancestor; the tightest room counts.
        MemoryInfo best = null;
        for (Path d = dir; d != null && d.startsWith(dir.getRoot()); d = d.getParent()) {
            OptionalLong max = number(d.resolve("memory.max"));
            OptionalLong current = number(d.resolve("memory.current"));
            if (max.isPresent() && current.isPresent()) {
                long file = meminfo(d.resolve("memory.stat"), "file").orElse(0);
                long room = Math.max(0, max.getAsLong() - current.getAsLong() + file);
                if (best == null || room < best.bytes) {
                    best = new MemoryInfo(room, "cgroup memory.max");
                }
            }
            if (d.getFileName() != null && d.getFileName().toString().equals("cgroup")) {
                break;
            }
        }
        return best;
    }

    private static MemoryInfo v1(Path dir) {
        OptionalLong max = number(dir.resolve("memory.limit_in_bytes"));
        OptionalLong usage = number(dir.resolve("memory.usage_in_bytes"));
        if (max.isEmpty() || usage.isEmpty() || max.getAsLong() >= (1L << 60)) {
            return null;
        }
        long cache = meminfo(dir.resolve("memory.stat"), "cache").orElse(0);
        return new MemoryInfo(Math.max(0, max.getAsLong() - usage.getAsLong() + cache), "cgroup memory.limit_in_bytes");
    }

    /** A file holding one number; empty for "max", a missing or unreadable file. */
    private static OptionalLong number(Path p) {
        try {
            String s = Files.readString(p).trim();
            return s.equals("max") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(s));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * The value of {@code key} in a "key value [kB]" file ({@code /proc/meminfo}: kB; {@code memory.stat}: bytes),
     * in bytes.
     */
    private static OptionalLong meminfo(Path p, String key) {
        try {
            for (String line : Files.readAllLines(p)) {
                String[] f = line.trim().split("[:\\s]+");
                if (f.length >= 2 && f[0].equals(key)) {
                    long v = Long.parseLong(f[1]);
                    return OptionalLong.of(f.length > 2 && f[2].toLowerCase(Locale.ROOT).equals("kb") ? v * 1024 : v);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return OptionalLong.empty();
    }
}
