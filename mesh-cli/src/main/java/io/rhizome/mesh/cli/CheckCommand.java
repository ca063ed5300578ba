package io.rhizome.mesh.cli;

import com.typesafe.config.ConfigObject;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code meshctl check}: whether every member holds the same resources (same digest). */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = {
            "Checks that the mesh has converged: every member reachable, answering, with the same "
                    + "resource digest.",
            "Warns when a member's TLS certificate has less than a third of its lifetime left.",
            "Exit code 0 when converged, 1 when not or when a certificate has expired."
        })
final class CheckCommand extends NodeCommand {

    /** How much of a digest the table shows. */
    static final int DIGEST_CHARS = 12;

    @Override
    public Integer call() {
        ConfigObject answer = node().getJson("/v1/check").body();
        List<ConfigObject> members = Json.objects(answer, "members");
        List<String> differing = new ArrayList<>();
        for (ConfigObject member : members) {
            if (!Json.bool(member, "converged")
                    || !Json.bool(member, "reachable")
                    || !Json.bool(member, "answered")) {
                differing.add(name(member));
            }
        }
        boolean converged = Json.bool(answer, "converged") && differing.isEmpty();
        List<CertificateCheck> certificates = CertificateCheck.ofMembers(members);
        if (certificates.isEmpty()) {
            certificates = List.of(CertificateCheck.of(node()));
        }
        switch (output.format()) {
            case JSON -> out().println(Json.pretty(answer));
            case TABLE -> {
                table(members).print(out());
                out().println(
                                converged
                                        ? "converged: all "
                                                + members.size()
                                                + " members have digest "
                                                + digest(answer)
                                        : "not converged: "
                                                + differing.size()
                                                + " of "
                                                + members.size()
                                                + " members differ"
                                                + (differing.isEmpty()
                                                        ? ""
                                                        : ": " + String.join(", ", differing)));
            }
        }
        certificates.forEach(c -> c.warning().ifPresent(err()::println));
        boolean expired = certificates.stream().anyMatch(CertificateCheck::expired);
        return converged && !expired ? Meshctl.EXIT_OK : Meshctl.EXIT_REFUSED;
    }

    static Table table(List<ConfigObject> members) {
        Table table =
                Table.withHeaders(
                        "NAME", "STATUS", "REACHABLE", "DIGEST", "RESOURCES", "CONVERGED");
        for (ConfigObject member : members) {
            table.row(
                    name(member),
                    Json.string(member, "status"),
                    Cells.yesNo(Json.bool(member, "reachable")),
                    digest(member),
                    Json.string(member, "resources"),
                    Cells.yesNo(Json.bool(member, "converged")));
        }
        return table;
    }

    private static String name(ConfigObject member) {
        String name = Json.string(member, "name");
        return name == null || name.isBlank() ? "?" : name;
    }

    private static String digest(ConfigObject object) {
        String digest = Json.string(object, "digest");
        if (digest == null || digest.isBlank()) {
            return "-";
        }
        return digest.length() <= DIGEST_CHARS ? digest : digest.substring(0, DIGEST_CHARS);
    }
}
