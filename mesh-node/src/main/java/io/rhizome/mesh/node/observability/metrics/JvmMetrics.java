package io.rhizome.mesh.node.observability.metrics;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryUsage;

/** JVM memory, GC and threads, under the names the Prometheus Java client's hotspot exports use. */
final class JvmMetrics {
    private JvmMetrics() {}

    static void write(PrometheusText out) {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
        out.family("jvm_memory_bytes_used", "gauge", "Used bytes of a JVM memory area.")
                .sample("jvm_memory_bytes_used", heap.getUsed(), "area", "heap")
                .sample("jvm_memory_bytes_used", nonHeap.getUsed(), "area", "nonheap");
        out.family("jvm_memory_bytes_committed", "gauge", "Committed bytes of a JVM memory area.")
                .sample("jvm_memory_bytes_committed", heap.getCommitted(), "area", "heap")
                .sample("jvm_memory_bytes_committed", nonHeap.getCommitted(), "area", "nonheap");
        out.family(
                        "jvm_memory_bytes_max",
                        "gauge",
                        "Max bytes of a JVM memory area (-1: undefined).")
                .sample("jvm_memory_bytes_max", heap.getMax(), "area", "heap")
                .sample("jvm_memory_bytes_max", nonHeap.getMax(), "area", "nonheap");
        out.family("jvm_memory_pool_bytes_used", "gauge", "Used bytes of a JVM memory pool.");
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage u = pool.getUsage();
            if (u != null) {
                out.sample("jvm_memory_pool_bytes_used", u.getUsed(), "pool", pool.getName());
            }
        }
        out.family(
                "jvm_gc_collection_seconds", "summary", "Time spent in a JVM garbage collector.");
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            out.sample(
                    "jvm_gc_collection_seconds_count",
                    Math.max(0, gc.getCollectionCount()),
                    "gc",
                    gc.getName());
            out.sample(
                    "jvm_gc_collection_seconds_sum",
                    Math.max(0, gc.getCollectionTime()) / 1000.0,
                    "gc",
                    gc.getName());
        }
        out.family("jvm_threads_current", "gauge", "Current JVM thread count.")
                .sample(
                        "jvm_threads_current",
                        ManagementFactory.getThreadMXBean().getThreadCount());
        out.family(
                        "process_start_time_seconds",
                        "gauge",
                        "Start time of the process since the epoch, in seconds.")
                .sample(
                        "process_start_time_seconds",
                        ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0);
    }
}
