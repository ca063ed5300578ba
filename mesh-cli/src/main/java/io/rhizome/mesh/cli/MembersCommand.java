package io.rhizome.mesh.cli;

import io.rhizome.mesh.protocol.v1.Member;
import io.rhizome.mesh.protocol.v1.MembersResponse;
import picocli.CommandLine.Command;

/** {@code meshctl members}: the cluster's members as the node sees them. */
@Command(
        name = "members",
        mixinStandardHelpOptions = true,
        description = "Lists the mesh's nodes: status, reachability, services, version, uptime.")
final class MembersCommand extends NodeCommand {

    @Override
    public Integer call() {
        return print(
                node().get("/v1/members", MembersResponse.getDefaultInstance()),
                MembersCommand::table);
    }

    static Table table(MembersResponse answer) {
        Table table =
                Table.withHeaders(
                        "NAME", "ADDRESS", "STATUS", "REACHABLE", "SERVICES", "VERSION", "UPTIME");
        for (Member member : answer.getMembersList()) {
            table.row(
                    member.getName(),
                    member.getAddress(),
                    member.getReachable() ? member.getStatus() : "Unreachable",
                    Cells.yesNo(member.getReachable()),
                    Cells.list(member.getServicesList()),
                    member.getVersion(),
                    Cells.duration(member.getUptimeSeconds()));
        }
        return table;
    }
}
