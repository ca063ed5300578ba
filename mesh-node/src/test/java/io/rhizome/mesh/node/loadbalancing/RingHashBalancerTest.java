package io.rhizome.mesh.node.loadbalancing;

import java.util.function.Supplier;
import java.util.random.RandomGenerator;

class RingHashBalancerTest extends HashingBalancerContract {

    @Override
    LoadBalancer create(Supplier<? extends RandomGenerator> random) {
        return new RingHashBalancer(random);
    }

    /** A ring moves nothing but the keys of the endpoint that came or went. */
    @Override
    double maxBystandersMovedOnRemoval() {
        return 0.0;
    }
}
