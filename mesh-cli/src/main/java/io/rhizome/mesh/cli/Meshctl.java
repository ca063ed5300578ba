package io.rhizome.mesh.cli;

import static java.util.Objects.requireNonNull;

import io.rhizome.mesh.pki.IdentityPattern;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code meshctl}, the command-line client of a node's admin API.
 *
 * <p>Exit codes: 0 ok, 1 the node refused or a check failed, 2 usage error, 3 node unreachable.
 * Every error is one line on stderr, never a stack trace. New commands are picocli subcommands
 * listed below; commands that talk to a node extend {@link NodeCommand}.
 */
@Command(
        name = "meshctl",
        mixinStandardHelpOptions = true,
        versionProvider = Meshctl.Version.class,
        description = "Talks to a Rhizome node's admin API; any node answers for the whole mesh.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {
            MembersCommand.class,
            ServicesCommand.class,
            EndpointsCommand.class,
            ApplyCommand.class,
            GetCommand.class,
            DeleteCommand.class,
            CheckCommand.class,
            StatCommand.class,
            TapCommand.class,
            TopCommand.class,
            CaCommand.class,
            VersionCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Environment:",
            "  MESH_NODE   the node to talk to when --node is not given",
            "  MESH_TOKEN  bearer token sent to the admin API",
            "  MESH_CA     trust bundle (PEM) for https nodes, when --tls-ca is not given",
            "  MESH_CERT   client certificate (PEM), when --tls-cert is not given",
            "  MESH_KEY    its private key (PEM), when --tls-key is not given",
            "  MESH_NODE_IDENTITY  identities a node's certificate may have (comma-separated), when",
            "              --tls-node-identity is not given",
            "",
            "Exit codes:",
            "  0 ok, 1 the node refused or a check failed, 2 usage error, 3 node unreachable"
        })
public final class Meshctl implements Callable<Integer> {

    /** The node used when neither {@code --node} nor {@code $MESH_NODE} is given. */
    public static final String DEFAULT_NODE = "127.0.0.1:9901";

    public static final int EXIT_OK = 0;
    public static final int EXIT_REFUSED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_UNREACHABLE = 3;

    @Spec private CommandSpec spec;

    @Option(
            names = "--node",
            paramLabel = "HOST:PORT",
            converter = NodeAddress.Converter.class,
            description =
                    "Admin API of the node to talk to (default: $MESH_NODE, then "
                            + DEFAULT_NODE
                            + ").")
    private NodeAddress node;

    @Option(
            names = "--tls-ca",
            paramLabel = "FILE",
            description =
                    "Trust bundle (PEM) the node's certificate must chain to; talks HTTPS (default: $MESH_CA).")
    private Path tlsCa;

    @Option(
            names = "--tls-cert",
            paramLabel = "FILE",
            description =
                    "Client certificate (PEM) for a node with rhizome.admin.tls on (default: $MESH_CERT).")
    private Path tlsCert;

    @Option(
            names = "--tls-key",
            paramLabel = "FILE",
            description = "Private key (PEM) of --tls-cert (default: $MESH_KEY).")
    private Path tlsKey;

    @Option(
            names = "--tls-node-identity",
            paramLabel = "SPIFFE_ID",
            description =
                    "Identity the node's certificate must have, exact or with '*' in its last segment;"
                            + " repeatable (default: $MESH_NODE_IDENTITY, comma-separated; else any of the trust domain).")
    private java.util.List<String> tlsNodeIdentities;

    private final Map<String, String> env;
    private final InputStream stdin;
    private final boolean interactive;

    private Meshctl(Map<String, String> env, InputStream stdin, boolean interactive) {
        this.env = Map.copyOf(env);
        this.stdin = stdin;
        this.interactive = interactive;
    }

    /**
     * Whether meshctl writes to the process's own stdout and reads its own stdin (a terminal for
     * top).
     */
    boolean interactive() {
        return interactive;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err, System.getenv()));
    }

    /**
     * Runs {@code meshctl} in-process and returns its exit code.
     *
     * @param env the environment to read {@code MESH_NODE} and {@code MESH_TOKEN} from
     */
    public static int run(
            String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        return run(args, System.in, out, err, env);
    }

    /**
     * Runs {@code meshctl} in-process and returns its exit code.
     *
     * @param in what {@code apply -f -} reads
     * @param env the environment to read {@code MESH_NODE} and {@code MESH_TOKEN} from
     */
    public static int run(
            String[] args,
            InputStream in,
            PrintStream out,
            PrintStream err,
            Map<String, String> env) {
        requireNonNull(args, "args");
        requireNonNull(in, "in");
        requireNonNull(out, "out");
        requireNonNull(err, "err");
        requireNonNull(env, "env");
        PrintWriter outWriter = new PrintWriter(out);
        PrintWriter errWriter = new PrintWriter(err);
        try {
            return commandLine(
                            env,
                            in,
                            outWriter,
                            errWriter,
                            out == System.out ? Ansi.AUTO : Ansi.OFF,
                            out == System.out && in == System.in)
                    .execute(args);
        } finally {
            outWriter.flush();
            errWriter.flush();
        }
    }

    static CommandLine commandLine(
            Map<String, String> env, InputStream in, PrintWriter out, PrintWriter err, Ansi ansi) {
        return commandLine(env, in, out, err, ansi, false);
    }

    static CommandLine commandLine(
            Map<String, String> env,
            InputStream in,
            PrintWriter out,
            PrintWriter err,
            Ansi ansi,
            boolean interactive) {
        CommandLine cli = new CommandLine(new Meshctl(env, in, interactive));
        cli.setOut(out);
        cli.setErr(err);
        cli.setColorScheme(CommandLine.Help.defaultColorScheme(ansi));
        cli.setParameterExceptionHandler(Meshctl::onUsageError);
        cli.setExecutionExceptionHandler(Meshctl::onFailure);
        return cli;
    }

    /**
     * {@code meshctl} without a command is a usage error (picocli routes it to the usage handler).
     */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing command");
    }

    /** What {@code apply -f -} reads. */
    InputStream stdin() {
        return stdin;
    }

    /** The client for the node chosen by {@code --node}, {@code $MESH_NODE} or the default. */
    NodeClient nodeClient() {
        NodeAddress address = node;
        if (address == null) {
            String fromEnv = env.get("MESH_NODE");
            try {
                address =
                        fromEnv == null || fromEnv.isBlank()
                                ? NodeAddress.parse(DEFAULT_NODE)
                                : NodeAddress.parse(fromEnv.strip(), "MESH_NODE");
            } catch (IllegalArgumentException e) {
                throw MeshctlException.usage(e.getMessage());
            }
        }
        String token = env.get("MESH_TOKEN");
        if (token != null && !token.strip().chars().allMatch(c -> c > 32 && c < 127)) {
            // Never echo the value: it is a secret.
            throw MeshctlException.usage(
                    "MESH_TOKEN: (not shown) cannot be sent in a header (expected: printable ASCII without spaces)");
        }
        Path ca = fileOption(tlsCa, "MESH_CA");
        Path cert = fileOption(tlsCert, "MESH_CERT");
        Path key = fileOption(tlsKey, "MESH_KEY");
        boolean pinFlag = tlsNodeIdentities != null && !tlsNodeIdentities.isEmpty();
        boolean pinEnv =
                !pinFlag
                        && env.get("MESH_NODE_IDENTITY") != null
                        && !env.get("MESH_NODE_IDENTITY").isBlank();
        if (ca == null && cert == null && key == null) {
            if (address.https()) {
                throw MeshctlException.usage(
                        "--tls-ca: missing for "
                                + address
                                + " (expected: the trust bundle (PEM) the node's certificate chains to, or $MESH_CA)");
            }
            if (pinFlag || (pinEnv && !address.schemeGiven())) {
                // A pinned identity that is never checked would be worse than none: the user
                // believes it is.
                throw MeshctlException.usage(
                        (pinFlag ? "--tls-node-identity" : "MESH_NODE_IDENTITY")
                                + ": set for the plain-HTTP node "
                                + address
                                + " (expected: --tls-ca or $MESH_CA, for a node whose admin API is HTTPS)");
            }
            return NodeClient.create(address, token);
        }
        if (address.schemeGiven() && !address.https()) {
            if (tlsCa == null && tlsCert == null && tlsKey == null && !pinFlag) {
                // $MESH_CA and friends name the usual (HTTPS) nodes; an explicit http:// is a plain
                // one.
                return NodeClient.create(address, token);
            }
            throw MeshctlException.usage(
                    "--node: '"
                            + address
                            + "' is plain HTTP while TLS files are given (expected: https://host:port or host:port)");
        }
        if (ca == null) {
            throw MeshctlException.usage(
                    "--tls-ca: missing while a client certificate is given (expected: the trust bundle (PEM) the node's certificate chains to, or $MESH_CA)");
        }
        return NodeClient.create(
                address.withHttps(), token, ClientTls.context(ca, cert, key, nodeIdentities()));
    }

    /**
     * The identities a node may present ({@code --tls-node-identity}, {@code $MESH_NODE_IDENTITY});
     * empty: any.
     */
    private java.util.List<String> nodeIdentities() {
        java.util.List<String> ids = tlsNodeIdentities;
        String source = "--tls-node-identity";
        if (ids == null || ids.isEmpty()) {
            String fromEnv = env.get("MESH_NODE_IDENTITY");
            ids =
                    fromEnv == null || fromEnv.isBlank()
                            ? java.util.List.of()
                            : java.util.Arrays.stream(fromEnv.split(","))
                                    .map(String::strip)
                                    .filter(s -> !s.isEmpty())
                                    .toList();
            source = "MESH_NODE_IDENTITY";
        }
        for (String id : ids) {
            if (!IdentityPattern.isServicePattern(id)) {
                throw MeshctlException.usage(
                        source + ": '" + id + "' (expected: " + IdentityPattern.SERVICE_FORM + ")");
            }
        }
        return ids;
    }

    private Path fileOption(Path option, String variable) {
        if (option != null) {
            return option;
        }
        String fromEnv = env.get(variable);
        return fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv.strip());
    }

    private static int onUsageError(ParameterException ex, String[] args) {
        CommandLine cli = ex.getCommandLine();
        String message = firstLine(ex.getMessage());
        if (ex instanceof UnmatchedArgumentException unmatched
                && !unmatched.getSuggestions().isEmpty()) {
            message += "; did you mean '" + unmatched.getSuggestions().get(0) + "'?";
        }
        cli.getErr()
                .println(
                        "meshctl: "
                                + message
                                + " (see '"
                                + cli.getCommandSpec().qualifiedName()
                                + " --help')");
        return EXIT_USAGE;
    }

    private static int onFailure(Exception ex, CommandLine cli, ParseResult parsed) {
        if (ex instanceof MeshctlException failure) {
            cli.getErr().println("meshctl: " + oneLine(failure.getMessage()));
            return failure.exitCode();
        }
        // A bug in meshctl, not in the user's input: still one line, with enough to report it.
        cli.getErr().println("meshctl: internal error: " + oneLine(String.valueOf(ex)));
        return EXIT_REFUSED;
    }

    /** A message from elsewhere (the node, say) folded onto one line. */
    private static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int newline = text.indexOf('\n');
        return (newline < 0 ? text : text.substring(0, newline)).strip();
    }

    /** The build version from the jar manifest; {@code dev} when run from classes. */
    static String version() {
        String version = Meshctl.class.getPackage().getImplementationVersion();
        return version == null || version.isBlank() ? "dev" : version;
    }

    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"meshctl " + version()};
        }
    }
}
