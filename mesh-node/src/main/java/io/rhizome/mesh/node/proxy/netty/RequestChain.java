package io.rhizome.mesh.node.proxy.netty;

/**
 * The stages a request passes before it is forwarded, per port, from the same stage objects
 * (stateless, shared by every connection). After them the request is forwarded by the exchange,
 * which balances, retries, applies the connection limits and the timeouts, and records the exchange
 * once when it ends; a request to a service of this node that takes the local shortcut meets {@link
 * LocalAdmission} there.
 */
final class RequestChain {
    private static final RequestStage NORMALIZE = new NormalizeStage();
    private static final RequestStage DEADLINE = new DeadlineStage();
    private static final RequestStage RESOLVE = new ResolveStage();
    private static final RequestStage ADMISSION = new AdmissionStage();
    private static final RequestStage REQUEST_LIMIT = new RequestLimitStage();

    /** normalize → deadline → resolve and route → circuit breaker (requests). */
    static final RequestStage[] OUTBOUND = {NORMALIZE, DEADLINE, RESOLVE, REQUEST_LIMIT};

    /** normalize → deadline → resolve → authorize and rate-limit → circuit breaker (requests). */
    static final RequestStage[] INBOUND = {NORMALIZE, DEADLINE, RESOLVE, ADMISSION, REQUEST_LIMIT};

    private RequestChain() {}

    /** Runs {@code stages} in order: the first answer stops the request, null means forward it. */
    static RequestStage.Answer run(RequestStage[] stages, RequestContext request) {
        for (RequestStage stage : stages) {
            RequestStage.Answer answer = stage.apply(request);
            if (answer != null) {
                return answer;
            }
        }
        return null;
    }
}
