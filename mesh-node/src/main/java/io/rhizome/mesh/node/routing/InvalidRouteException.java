package io.rhizome.mesh.node.routing;

/**
 * A Route the table cannot compile; the message names the field, the value and what was expected.
 */
final class InvalidRouteException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidRouteException(String field, Object value, String expected) {
        super(field + ": " + value + " (expected: " + expected + ")");
    }
}
