package dev.llama4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link MemoryInfo} on fake {@code /proc} and {@code /sys} trees: which figure wins and how each is read. */
class MemoryInfoTest {
    private static void write(Path root, String file, String text) throws IOException {
        Path p = root.resolve(file);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    private static void meminfo(Path root, long availableKb) throws IOException {
        write(root, "proc/meminfo", "MemTotal:       24000000 kB\nMemFree:         1000000 kB\n"
                + "MemAvailable:    " + availableKb + " kB\nBuffers:          10000 kB\n");
    }

    /** A v2 cgroup {@code group} with its limit and usage ({@code max} may be "max"). */
    private static void group(Path root, String group, String max, long current) throws IOException {
        write(root, "sys/fs/cgroup/" + group + "/memory.max", max + "\n");
        write(root, "sys/fs/cgroup/" + group + "/memory.current", current + "\n");
    }

    @Test
    void memAvailableWithoutAnyCgroupLimit(@TempDir Path root) throws IOException {
        meminfo(root, 20_000_000);
        write(root, "proc/self/cgroup", "0::/\n");
        MemoryInfo m = MemoryInfo.available(root);
        assertEquals(20_000_000L * 1024, m.bytes());
        assertEquals("MemAvailable", m.source());
    }

    @Test
    void cgroupV2LimitCountsPageCacheAsFreeAndWinsWhenTighter(@TempDir Path root) throws IOException {
        meminfo(root, 20_000_000);
        write(root, "proc/self/cgroup", "0::/user.slice/job\n");
        group(root, "user.slice/job", "8589934592", 3221225472L);
        write(root, "sys/fs/cgroup/user.slice/job/memory.stat", "anon 1073741824\nfile 2147483648\nkernel 0\n");
        MemoryInfo m = MemoryInfo.available(root);
        // 8 GiB − 3 GiB used + 2 GiB of it page cache = 7 GiB.
        assertEquals(7L << 30, m.bytes());
        assertEquals("cgroup memory.max", m.source());
    }

    @Test
    void cgroupV2AncestorLimitAndUnlimitedLeaf(@TempDir Path root) throws IOException {
        meminfo(root, 20_000_000);
        write(root, "proc/self/cgroup", "0::/a/b\n");
        group(root, "a/b", "max", 100);
        group(root, "a", "2147483648", 1073741824L);
        MemoryInfo m = MemoryInfo.available(root);
        assertEquals(1L << 30, m.bytes());
    }

    @Test
    void looseCgroupLimitLeavesMemAvailable(@TempDir Path root) throws IOException {
        meminfo(root, 1_000_000);
        write(root, "proc/self/cgroup", "0::/job\n");
        group(root, "job", "68719476736", 0);
        MemoryInfo m = MemoryInfo.available(root);
        assertEquals(1_000_000L * 1024, m.bytes());
        assertEquals("MemAvailable", m.source());
    }

    @Test
    void cgroupV1(@TempDir Path root) throws IOException {
        meminfo(root, 20_000_000);
        write(root, "proc/self/cgroup", "12:cpu,cpuacct:/x\n11:memory:/docker/abc\n0::/\n");
        write(root, "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "4294967296\n");
        write(root, "sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes", "2147483648\n");
        write(root, "sys/fs/cgroup/memory/docker/abc/memory.stat", "cache 1073741824\nrss 1073741824\n");
        MemoryInfo m = MemoryInfo.available(root);
        assertEquals(3L << 30, m.bytes());
        assertEquals("cgroup memory.limit_in_bytes", m.source());
    }

    @Test
    void withNothingToReadTheJvmFigureOrUnknown(@TempDir Path root) {
        MemoryInfo m = MemoryInfo.available(root);
        assertTrue(m.bytes() > 0 || m.bytes() == -1, m.toString());
    }

    @Test
    void aUserLimitCapsOnlyWhenTighter() {
        MemoryInfo m = new MemoryInfo(10L << 30, "MemAvailable");
        assertEquals(new MemoryInfo(4L << 30, "--memory-limit"), m.capped(4L << 30, "--memory-limit"));
        assertEquals(m, m.capped(20L << 30, "--memory-limit"));
        assertEquals(m, m.capped(0, "--memory-limit"));
        assertEquals(new MemoryInfo(1, "x"), new MemoryInfo(-1, "unknown").capped(1, "x"));
    }
}
