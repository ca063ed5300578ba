package io.rhizome.mesh.node.testing;

import java.time.Duration;

/**
 * A bounded wait for a condition that an event elsewhere makes true: the check is retried until it
 * passes or time runs out.
 */
public final class Eventually {
    /** A check that fails by throwing {@link AssertionError}. */
    @FunctionalInterface
    public interface Check {
        void run() throws Exception;
    }

    private Eventually() {}

    /** Runs {@code check} until it passes; after {@code limit} its last failure is thrown. */
    public static void within(Duration limit, Check check) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }
}
