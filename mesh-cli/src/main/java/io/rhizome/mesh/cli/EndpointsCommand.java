package io.rhizome.mesh.cli;

import io.rhizome.mesh.protocol.v1.EndpointView;
import io.rhizome.mesh.protocol.v1.EndpointsResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code meshctl endpoints SERVICE}: a service's endpoints and whether traffic goes there. */
@Command(
        name = "endpoints",
        mixinStandardHelpOptions = true,
        description =
                "Lists a service's endpoints: health, reachability, and why one is not routable.")
final class EndpointsCommand extends NodeCommand {

    @Parameters(index = "0", paramLabel = "SERVICE", description = "The service's name.")
    private String service;

    @Override
    public Integer call() {
        String path = "/v1/services/" + NodeClient.segment(service) + "/endpoints";
        return print(
                node().get(path, EndpointsResponse.getDefaultInstance()), EndpointsCommand::table);
    }

    static Table table(EndpointsResponse answer) {
        Table table =
                Table.withHeaders(
                        "NODE",
                        "ADDRESS",
                        "INBOUND",
                        "STATUS",
                        "REACHABLE",
                        "ROUTABLE",
                        "REASON",
                        "LABELS");
        for (EndpointView endpoint : answer.getEndpointsList()) {
            table.row(
                    endpoint.getNode(),
                    endpoint.getAddress(),
                    endpoint.getInbound(),
                    endpoint.getStatus(),
                    Cells.yesNo(endpoint.getReachable()),
                    Cells.yesNo(endpoint.getRoutable()),
                    endpoint.getReason(),
                    Cells.labels(endpoint.getLabelsMap()));
        }
        return table;
    }
}
