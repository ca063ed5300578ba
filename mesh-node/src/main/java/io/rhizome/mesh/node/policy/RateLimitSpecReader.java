package io.rhizome.mesh.node.policy;

import io.rhizome.mesh.protocol.v1.RateLimitSpec;
import java.util.Set;

/** The {@code spec} of a RateLimit; burst defaults to {@code ceil(requests-per-second)}. */
final class RateLimitSpecReader {

    private static final Set<String> KEYS =
            Set.of("service", "requests-per-second", "burst", "route", "per-caller", "global");
    private static final int LIMIT = 1_000_000;
    private static final String RPS = "a number > 0 and <= " + LIMIT;

    private RateLimitSpecReader() {}

    static RateLimitSpec read(Fields spec) {
        spec.allowOnly(KEYS);
        RateLimitSpec.Builder b =
                RateLimitSpec.newBuilder().setService(Names.service(spec, "service"));
        double rps =
                Fields.toNumber(
                        spec.value("requests-per-second", RPS),
                        spec.pathOf("requests-per-second"),
                        RPS);
        if (!(rps > 0 && rps <= LIMIT)) {
            throw ResourceError.bad(
                    spec.pathOf("requests-per-second"),
                    spec.value("requests-per-second", RPS),
                    RPS);
        }
        b.setRequestsPerSecond(rps).setBurst(spec.intIn("burst", 1, LIMIT, (int) Math.ceil(rps)));
        if (spec.has("route")) {
            b.setRoute(Names.name(spec, "route", "a Route name"));
        }
        return b.setPerCaller(spec.bool("per-caller", false))
                .setGlobal(spec.bool("global", false))
                .build();
    }
}
