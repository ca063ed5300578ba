package io.rhizome.mesh.node.loadbalancing;

import static io.rhizome.mesh.node.loadbalancing.Endpoints.endpoints;
import static org.assertj.core.api.Assertions.assertThat;

import io.rhizome.mesh.node.discovery.MeshEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CandidateCacheTest {
    private final AtomicInteger builds = new AtomicInteger();
    private final CandidateCache<Integer> cache =
            new CandidateCache<>(c -> builds.incrementAndGet());

    @Test
    void aFreshListWithTheSameIdsReusesTheStructure() {
        List<MeshEndpoint> three = endpoints(3);

        cache.get(three);
        cache.get(new ArrayList<>(three));
        cache.get(endpoints(3)); // new records, same ids

        assertThat(builds).hasValue(1);
    }

    @Test
    void retriesAlternatingWithFirstTriesDoNotRebuild() {
        List<MeshEndpoint> all = endpoints(3);
        List<MeshEndpoint> withoutA = all.subList(1, 3);

        for (int i = 0; i < 10; i++) {
            cache.get(all);
            cache.get(withoutA);
        }

        assertThat(builds).hasValue(2);
    }

    @Test
    void onlyTheMostRecentSetsAreKept() {
        for (int n = 1; n <= 6; n++) {
            cache.get(endpoints(n));
        }

        assertThat(cache.size()).isEqualTo(CandidateCache.ENTRIES);
        cache.get(endpoints(6));
        assertThat(builds).hasValue(6);
        cache.get(endpoints(1));
        assertThat(builds).hasValue(7);
    }
}
