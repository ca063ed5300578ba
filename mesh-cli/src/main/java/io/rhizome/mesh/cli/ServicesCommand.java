package io.rhizome.mesh.cli;

import io.rhizome.mesh.protocol.v1.ServiceSummary;
import io.rhizome.mesh.protocol.v1.ServicesResponse;
import picocli.CommandLine.Command;

/** {@code meshctl services}: every service registered in the mesh. */
@Command(
        name = "services",
        mixinStandardHelpOptions = true,
        description =
                "Lists the mesh's services: endpoints, how many are routable, on which nodes.")
final class ServicesCommand extends NodeCommand {

    @Override
    public Integer call() {
        return print(
                node().get("/v1/services", ServicesResponse.getDefaultInstance()),
                ServicesCommand::table);
    }

    static Table table(ServicesResponse answer) {
        Table table = Table.withHeaders("SERVICE", "ENDPOINTS", "ROUTABLE", "NODES");
        for (ServiceSummary service : answer.getServicesList()) {
            table.row(
                    service.getName(),
                    service.getEndpoints(),
                    service.getRoutable(),
                    Cells.list(service.getNodesList()));
        }
        return table;
    }
}
