package io.rhizome.mesh.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A bounded wait for something an event elsewhere makes true (a node joining, a write replicating,
 * a process exiting): the check is retried every 20 ms until it passes or time runs out. For waits
 * with no event to wait on; never a substitute for a sleep of fixed length.
 */
public final class Eventually {
    private static final long PAUSE_MILLIS = 20;

    /**
     * A check that fails by throwing (an {@link AssertionError}, or any exception while not ready).
     */
    @FunctionalInterface
    public interface Check {
        void run() throws Exception;
    }

    private Eventually() {}

    /**
     * Runs {@code check} until it passes; after {@code limit} its last failure is thrown. An
     * exception other than an {@link AssertionError} counts as "not yet" too (a port not yet
     * listening, a member not yet known).
     */
    public static void within(Duration limit, Check check) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (AssertionError | Exception e) {
                if (e instanceof InterruptedException) {
                    throw e;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                Thread.sleep(PAUSE_MILLIS);
            }
        }
    }

    /**
     * Waits until {@code condition} holds (an exception counts as not yet); fails naming {@code
     * what} after {@code limit}.
     */
    public static void until(String what, Duration limit, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // not yet
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + limit.toMillis() + " ms: " + what);
            }
            Thread.sleep(PAUSE_MILLIS);
        }
    }
}
