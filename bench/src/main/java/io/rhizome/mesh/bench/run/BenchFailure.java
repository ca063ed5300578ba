package io.rhizome.mesh.bench.run;

/** A failure that ends the run with one message. */
final class BenchFailure extends RuntimeException {
    BenchFailure(String message) {
        super(message);
    }
}
