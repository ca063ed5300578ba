package io.rhizome.mesh.node.health.outlier;

/** What one failed try did to its endpoint's outlier state. */
public enum EjectionDecision {
    /** Counted; the endpoint is below its consecutive-errors threshold. */
    COUNTED,
    /** The endpoint is now ejected. */
    EJECTED,
    /** Due for ejection, but ejecting it would exceed the service's max-ejection-percent. */
    SKIPPED_MAX_PERCENT,
    /** The endpoint was already ejected (a try that began before); nothing changes. */
    ALREADY_EJECTED
}
