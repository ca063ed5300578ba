package io.rhizome.mesh.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.rhizome.mesh.node.security.tls.TlsMaterial;
import io.rhizome.mesh.node.security.tls.TlsMaterialException;
import io.rhizome.mesh.node.security.tls.TlsProviders;
import io.rhizome.mesh.pki.IdentityPattern;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads and validates a node's HOCON file. Every problem is a {@link ConfigError} whose message
 * names the key and the expected form; nothing is started before the whole file is valid.
 */
public final class SettingsLoader {

    private static final Pattern SERVICE_NAME =
            Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final String ADMIN_IDENTITY_FORM = IdentityPattern.SERVICE_FORM;
    private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,62})");
    private static final Set<String> SERVICE_KEYS =
            Set.of("name", "address", "labels", "health-check", "protocol");
    private static final Set<String> UPSTREAM_KEYS = Set.of("service", "listen");
    private static final Set<String> HEALTH_KEYS =
            Set.of(
                    "protocol",
                    "path",
                    "interval",
                    "timeout",
                    "unhealthy-threshold",
                    "healthy-threshold");

    private SettingsLoader() {}

    /**
     * Loads {@code file} over {@code reference.conf}, with JVM system properties ({@code
     * -Drhizome...}) on top.
     */
    public static NodeSettings load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigError("--config", "\"" + file + "\" (expected: a readable HOCON file)");
        }
        Config user;
        try {
            user =
                    ConfigFactory.parseFile(
                            file.toFile(),
                            com.typesafe.config.ConfigParseOptions.defaults()
                                    .setAllowMissing(false));
        } catch (ConfigException e) {
            throw new ConfigError(file.toString(), oneLine(e.getMessage()));
        }
        return fromConfig(ConfigFactory.systemProperties().withFallback(user));
    }

    /** Validates an already parsed user configuration (reference.conf is added here). */
    public static NodeSettings fromConfig(Config user) {
        Config full;
        try {
            full = user.withFallback(ConfigFactory.defaultReference()).resolve();
        } catch (ConfigException e) {
            throw new ConfigError("config", oneLine(e.getMessage()));
        }
        checkUnknownKeys(user);
        Reader r = new Reader(full);

        String nodeName = r.string("rhizome.node.name");
        if (nodeName.isEmpty()) {
            throw new ConfigError(
                    "rhizome.node.name", "missing (expected: a unique name such as \"node-1\")");
        }
        if (!NODE_NAME.matcher(nodeName).matches()) {
            throw new ConfigError(
                    "rhizome.node.name",
                    HostPort.quote(nodeName)
                            + " (expected: letters, digits, '.', '_' or '-', at most 63)");
        }

        String zone = r.string("rhizome.node.zone");
        if (!zone.isEmpty() && !NODE_NAME.matcher(zone).matches()) {
            throw new ConfigError(
                    "rhizome.node.zone",
                    HostPort.quote(zone)
                            + " (expected: letters, digits, '.', '_' or '-', at most 63)");
        }

        // Port 0 (any free port) serves in-process tests; peers then need its actual address as a
        // seed.
        HostPort clusterAddress =
                new HostPort(
                        r.host("rhizome.cluster.host"), r.intIn("rhizome.cluster.port", 0, 65535));
        List<HostPort> seeds = new ArrayList<>();
        List<String> seedStrings = r.stringList("rhizome.cluster.seed-nodes");
        for (int i = 0; i < seedStrings.size(); i++) {
            seeds.add(HostPort.parse("rhizome.cluster.seed-nodes[" + i + "]", seedStrings.get(i)));
        }
        NodeSettings.Profile profile =
                r.enumValue("rhizome.cluster.profile", NodeSettings.Profile.class);

        HostPort admin = new HostPort(r.host("rhizome.admin.host"), r.port("rhizome.admin.port"));
        String token = r.string("rhizome.admin.token");
        boolean adminTls = r.bool("rhizome.admin.tls.enabled");
        if (token.isEmpty() && !adminTls && !admin.isLoopback()) {
            // Off loopback, anyone who can reach the port could rewrite the whole mesh's policy.
            throw new ConfigError(
                    "rhizome.admin.token",
                    "missing while rhizome.admin.host = "
                            + HostPort.quote(admin.host())
                            + " is not loopback (expected: a secret token, rhizome.admin.tls.enabled = on with allowed-identities,"
                            + " or rhizome.admin.host = \"127.0.0.1\")");
        }
        if (!token.isEmpty()
                && (token.length() < 16 || !token.chars().allMatch(c -> c > 32 && c < 127))) {
            // The value itself is never echoed: it is a secret.
            throw new ConfigError(
                    "rhizome.admin.token",
                    "(not shown) is "
                            + token.length()
                            + " characters (expected: at least 16 printable ASCII characters without spaces)");
        }

        HostPort outbound =
                new HostPort(r.host("rhizome.outbound.host"), r.port("rhizome.outbound.port"));
        NodeSettings.Egress egress =
                r.enumValue("rhizome.outbound.egress", NodeSettings.Egress.class);
        String suffix = r.string("rhizome.outbound.mesh-suffix");
        if (!suffix.isEmpty() && !SERVICE_NAME.matcher(suffix).matches()) {
            throw new ConfigError(
                    "rhizome.outbound.mesh-suffix",
                    HostPort.quote(suffix) + " (expected: a DNS label such as \"mesh\", or \"\")");
        }

        HostPort inbound =
                new HostPort(r.host("rhizome.inbound.host"), r.port("rhizome.inbound.port"));
        String advertise = r.string("rhizome.inbound.advertise-host");
        if (advertise.isEmpty()) {
            advertise = inbound.isWildcard() ? clusterAddress.host() : inbound.host();
        }

        checkDistinctPorts(clusterAddress, admin, outbound, inbound);

        String dataDir = r.string("rhizome.data-dir");
        if (dataDir.isBlank()) {
            throw new ConfigError("rhizome.data-dir", "\"\" (expected: a directory path)");
        }

        List<ServiceSettings> services = services(full, zone);
        ObservabilitySettings observability = ObservabilitySettings.read(full);

        NodeSettings.Proxy proxy =
                new NodeSettings.Proxy(
                        r.intIn("rhizome.proxy.io-threads", 1, 64),
                        r.duration(
                                "rhizome.proxy.connect-timeout",
                                Duration.ofMillis(10),
                                Duration.ofMinutes(1)),
                        r.duration(
                                "rhizome.proxy.idle-timeout",
                                Duration.ofSeconds(1),
                                Duration.ofDays(1)),
                        r.intIn("rhizome.proxy.max-initial-line-length", 256, 1 << 20),
                        r.intIn("rhizome.proxy.max-header-size", 1024, 1 << 20),
                        r.intIn("rhizome.proxy.max-retry-buffer", 0, 16 << 20),
                        r.intIn("rhizome.proxy.max-header-count", 1, 10_000),
                        r.duration(
                                "rhizome.proxy.tunnel-idle-timeout",
                                Duration.ofSeconds(1),
                                Duration.ofDays(7)),
                        r.enumValue(
                                "rhizome.proxy.peer-protocol", NodeSettings.PeerProtocol.class));
        NodeSettings.Shutdown shutdown =
                new NodeSettings.Shutdown(
                        r.duration(
                                "rhizome.shutdown.drain-delay",
                                Duration.ZERO,
                                Duration.ofMinutes(5)),
                        r.duration(
                                "rhizome.shutdown.drain-timeout",
                                Duration.ZERO,
                                Duration.ofHours(1)));

        String identity = r.string("rhizome.identity.service");
        if (!identity.isEmpty() && !SERVICE_NAME.matcher(identity).matches()) {
            throw new ConfigError(
                    "rhizome.identity.service",
                    HostPort.quote(identity)
                            + " (expected: lower-case letters, digits and '-', at most 63, or \"\")");
        }
        TlsSettings tls = tls(r);
        String trustDomain = "";
        if (tls.enabled()) {
            // Checked whole now (files exist, parse, match, chain to the bundle), so that a node
            // never
            // starts with TLS it cannot use; the identity defaults to the certificate's.
            try {
                io.rhizome.mesh.pki.SpiffeId own =
                        TlsMaterial.load(tls, identity, Clock.systemUTC()).identity();
                identity = own.service();
                trustDomain = own.trustDomain();
                TlsProviders.resolve(tls.provider());
            } catch (TlsMaterialException e) {
                throw new ConfigError(e.key(), e.getMessage());
            }
        }
        List<String> adminIdentities = adminIdentities(r, adminTls, tls, trustDomain);
        if (tls.enabled()) {
            clusterIdentities(tls, trustDomain, identity);
        }

        return new NodeSettings(
                nodeName,
                zone,
                new NodeSettings.Cluster(clusterAddress, seeds, profile),
                admin,
                token,
                new NodeSettings.Outbound(outbound, egress, suffix),
                inbound,
                advertise,
                Path.of(dataDir),
                services,
                identity,
                tls,
                proxy,
                shutdown,
                r.bool("rhizome.authorization.default-deny"),
                upstreams(full, List.of(clusterAddress, admin, outbound, inbound)),
                observability,
                adminIdentities,
                full);
    }

    /**
     * {@code rhizome.admin.tls}: HTTPS on the admin port with the node's own certificate, so it
     * needs mTLS on; the callers it lets in are named, in the node's trust domain (a certificate of
     * another domain never passes the handshake, so such a pattern could only be a mistake).
     */
    private static List<String> adminIdentities(
            Reader r, boolean enabled, TlsSettings tls, String domain) {
        List<String> identities =
                r.stringList("rhizome.admin.tls.allowed-identities", ADMIN_IDENTITY_FORM);
        if (!enabled) {
            return List.of();
        }
        if (!tls.enabled()) {
            throw new ConfigError(
                    "rhizome.admin.tls.enabled",
                    "on while rhizome.tls.enabled = off (expected: mTLS on,"
                            + " whose certificate and trust bundle the admin port uses, or rhizome.admin.tls.enabled = off)");
        }
        if (identities.isEmpty()) {
            throw new ConfigError(
                    "rhizome.admin.tls.allowed-identities",
                    "[] while rhizome.admin.tls.enabled = on"
                            + " (expected: at least one "
                            + ADMIN_IDENTITY_FORM
                            + ")");
        }
        checkIdentityPatterns("rhizome.admin.tls.allowed-identities", identities, domain);
        if (tls.clusterIdentities().isEmpty()) {
            // The operators' certificates come from the mesh's CA: unless the cluster names its
            // members, such a certificate could join the cluster and write policy there directly.
            throw new ConfigError(
                    "rhizome.tls.cluster-identities",
                    "[] while rhizome.admin.tls.enabled = on (expected:"
                            + " the identities of the mesh's sidecars, so that an admin client's certificate cannot join the cluster)");
        }
        for (int i = 0; i < identities.size(); i++) {
            for (String member : tls.clusterIdentities()) {
                if (new IdentityPattern(identities.get(i)).overlaps(new IdentityPattern(member))) {
                    throw new ConfigError(
                            "rhizome.admin.tls.allowed-identities[" + i + "]",
                            HostPort.quote(identities.get(i))
                                    + " can also be a cluster member through rhizome.tls.cluster-identities "
                                    + HostPort.quote(member)
                                    + " (expected: admin clients whose identities no cluster member may have)");
                }
            }
        }
        return List.copyOf(identities);
    }

    /**
     * {@code rhizome.tls.cluster-identities}: who may be a cluster member. The node's own identity
     * must be among them, or its peers (configured alike) would refuse it.
     */
    private static void clusterIdentities(TlsSettings tls, String domain, String ownService) {
        List<String> identities = tls.clusterIdentities();
        if (identities.isEmpty()) {
            return;
        }
        checkIdentityPatterns("rhizome.tls.cluster-identities", identities, domain);
        String own = "spiffe://" + domain + "/service/" + ownService;
        if (identities.stream().noneMatch(p -> new IdentityPattern(p).matches(own))) {
            throw new ConfigError(
                    "rhizome.tls.cluster-identities",
                    "does not include this node's own identity "
                            + own
                            + " (expected: a list that does, or [] for any identity of the trust domain)");
        }
    }

    private static void checkIdentityPatterns(String key, List<String> identities, String domain) {
        for (int i = 0; i < identities.size(); i++) {
            String id = identities.get(i);
            String at = key + "[" + i + "]";
            if (!IdentityPattern.isServicePattern(id)) {
                throw new ConfigError(
                        at, HostPort.quote(id) + " (expected: " + ADMIN_IDENTITY_FORM + ")");
            }
            if (!id.startsWith("spiffe://" + domain + "/")) {
                throw new ConfigError(
                        at,
                        HostPort.quote(id)
                                + " is not in this node's trust domain (expected: spiffe://"
                                + domain
                                + "/service/NAME)");
            }
        }
    }

    private static TlsSettings tls(Reader r) {
        String issuer = r.string("rhizome.tls.issuer");
        return new TlsSettings(
                r.bool("rhizome.tls.enabled"),
                r.path("rhizome.tls.trust-bundle"),
                r.path("rhizome.tls.cert"),
                r.path("rhizome.tls.key"),
                issuer.isBlank() ? null : Path.of(issuer),
                r.duration("rhizome.tls.workload-ttl", Duration.ofSeconds(10), Duration.ofDays(30)),
                r.duration(
                        "rhizome.tls.reload-interval", Duration.ofMillis(100), Duration.ofHours(1)),
                r.enumValue("rhizome.tls.provider", TlsSettings.Provider.class),
                r.stringList("rhizome.tls.cluster-identities", ADMIN_IDENTITY_FORM));
    }

    private static void checkDistinctPorts(
            HostPort cluster, HostPort admin, HostPort outbound, HostPort inbound) {
        Map<Integer, String> seen = new LinkedHashMap<>();
        for (var e :
                List.of(
                        Map.entry("rhizome.cluster.port", cluster),
                        Map.entry("rhizome.admin.port", admin),
                        Map.entry("rhizome.outbound.port", outbound),
                        Map.entry("rhizome.inbound.port", inbound))) {
            // Ports on different explicit hosts may coincide; the common case (one host) may not.
            String previous =
                    e.getValue().port() == 0
                            ? null
                            : seen.putIfAbsent(e.getValue().port(), e.getKey());
            if (previous != null) {
                throw new ConfigError(
                        e.getKey(),
                        e.getValue().port()
                                + " (expected: a port not also used by "
                                + previous
                                + ")");
            }
        }
    }

    /**
     * The node's services; each gets the node's {@code zone} as its {@code zone} label unless it
     * has one.
     */
    private static List<ServiceSettings> services(Config full, String zone) {
        ConfigValue value = full.getValue("rhizome.services");
        if (value.valueType() != ConfigValueType.LIST) {
            throw new ConfigError(
                    "rhizome.services",
                    render(value) + " (expected: a list of { name, address } objects)");
        }
        List<ServiceSettings> result = new ArrayList<>();
        Set<String> names = new HashSet<>();
        ConfigList list = (ConfigList) value;
        for (int i = 0; i < list.size(); i++) {
            String key = "rhizome.services[" + i + "]";
            ConfigValue element = list.get(i);
            if (element.valueType() != ConfigValueType.OBJECT) {
                throw new ConfigError(
                        key, render(element) + " (expected: an object { name, address, labels })");
            }
            ConfigObject object = (ConfigObject) element;
            for (String k : object.keySet()) {
                if (!SERVICE_KEYS.contains(k)) {
                    throw new ConfigError(
                            key + "." + k,
                            "unknown key (expected one of: " + new TreeSet<>(SERVICE_KEYS) + ")");
                }
            }
            Reader r = new Reader(object.toConfig());
            String name = r.required("name", key + ".name");
            if (!SERVICE_NAME.matcher(name).matches()) {
                throw new ConfigError(
                        key + ".name",
                        HostPort.quote(name)
                                + " (expected: lower-case letters, digits and '-', at most 63)");
            }
            if (!names.add(name)) {
                throw new ConfigError(
                        key + ".name",
                        HostPort.quote(name)
                                + " (expected: a name not already used by another service of this node)");
            }
            HostPort address =
                    HostPort.parse(key + ".address", r.required("address", key + ".address"));
            Map<String, String> labels = new LinkedHashMap<>();
            if (object.containsKey("labels")) {
                ConfigValue lv = object.get("labels");
                if (lv.valueType() != ConfigValueType.OBJECT) {
                    throw new ConfigError(
                            key + ".labels", render(lv) + " (expected: an object { key = value })");
                }
                for (var e : ((ConfigObject) lv).entrySet()) {
                    ConfigValueType t = e.getValue().valueType();
                    if (t == ConfigValueType.OBJECT
                            || t == ConfigValueType.LIST
                            || t == ConfigValueType.NULL) {
                        throw new ConfigError(
                                key + ".labels." + e.getKey(),
                                render(e.getValue()) + " (expected: a string)");
                    }
                    labels.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
                }
            }
            if (!zone.isEmpty()) {
                labels.putIfAbsent("zone", zone);
            }
            HealthCheckSettings health = HealthCheckSettings.DEFAULT;
            if (object.containsKey("health-check")) {
                health = healthCheck(key + ".health-check", object.get("health-check"));
            }
            ServiceSettings.Protocol protocol =
                    object.containsKey("protocol")
                            ? r.enumValue(
                                    "protocol", ServiceSettings.Protocol.class, key + ".protocol")
                            : ServiceSettings.Protocol.HTTP;
            result.add(new ServiceSettings(name, address, labels, health, protocol));
        }
        return result;
    }

    /**
     * {@code rhizome.upstreams}: local listeners for the mesh services this node's app uses. Each
     * names a service and a distinct {@code listen} address, apart from the node's own ports.
     */
    private static List<NodeSettings.Upstream> upstreams(Config full, List<HostPort> nodePorts) {
        if (!full.hasPath("rhizome.upstreams")) {
            return List.of();
        }
        ConfigValue value = full.getValue("rhizome.upstreams");
        if (value.valueType() != ConfigValueType.LIST) {
            throw new ConfigError(
                    "rhizome.upstreams",
                    render(value) + " (expected: a list of { service, listen } objects)");
        }
        List<NodeSettings.Upstream> result = new ArrayList<>();
        Set<Integer> ports = new HashSet<>();
        for (HostPort p : nodePorts) {
            ports.add(p.port());
        }
        ConfigList list = (ConfigList) value;
        for (int i = 0; i < list.size(); i++) {
            String key = "rhizome.upstreams[" + i + "]";
            ConfigValue element = list.get(i);
            if (element.valueType() != ConfigValueType.OBJECT) {
                throw new ConfigError(
                        key, render(element) + " (expected: an object { service, listen })");
            }
            ConfigObject object = (ConfigObject) element;
            for (String k : object.keySet()) {
                if (!UPSTREAM_KEYS.contains(k)) {
                    throw new ConfigError(
                            key + "." + k,
                            "unknown key (expected one of: " + new TreeSet<>(UPSTREAM_KEYS) + ")");
                }
            }
            Reader r = new Reader(object.toConfig());
            String service = r.required("service", key + ".service");
            if (!SERVICE_NAME.matcher(service).matches()) {
                throw new ConfigError(
                        key + ".service",
                        HostPort.quote(service)
                                + " (expected: a service name: lower-case letters, digits and '-', at most 63)");
            }
            HostPort listen =
                    HostPort.parse(key + ".listen", r.required("listen", key + ".listen"));
            if (listen.port() != 0 && !ports.add(listen.port())) {
                throw new ConfigError(
                        key + ".listen",
                        listen + " (expected: a port not used by the node or another upstream)");
            }
            result.add(new NodeSettings.Upstream(service, listen));
        }
        return result;
    }

    private static HealthCheckSettings healthCheck(String key, ConfigValue value) {
        if (value.valueType() != ConfigValueType.OBJECT) {
            throw new ConfigError(
                    key,
                    render(value) + " (expected: an object { protocol = tcp | http | none, ... })");
        }
        ConfigObject object = (ConfigObject) value;
        for (String k : object.keySet()) {
            if (!HEALTH_KEYS.contains(k)) {
                throw new ConfigError(
                        key + "." + k,
                        "unknown key (expected one of: " + new TreeSet<>(HEALTH_KEYS) + ")");
            }
        }
        HealthCheckSettings d = HealthCheckSettings.DEFAULT;
        Config c = object.toConfig();
        Reader r = new Reader(c, key + ".");
        HealthCheckSettings.Protocol protocol =
                c.hasPath("protocol")
                        ? r.enumValue("protocol", HealthCheckSettings.Protocol.class)
                        : d.protocol();
        String path = c.hasPath("path") ? r.string("path") : d.path();
        if (!path.startsWith("/")) {
            throw new ConfigError(
                    key + ".path", HostPort.quote(path) + " (expected: a path starting with '/')");
        }
        Duration interval =
                c.hasPath("interval")
                        ? r.duration("interval", Duration.ofMillis(100), Duration.ofHours(1))
                        : d.interval();
        Duration timeout =
                c.hasPath("timeout")
                        ? r.duration("timeout", Duration.ofMillis(10), Duration.ofMinutes(1))
                        : d.timeout();
        int unhealthy =
                c.hasPath("unhealthy-threshold")
                        ? r.intIn("unhealthy-threshold", 1, 100)
                        : d.unhealthyThreshold();
        int healthy =
                c.hasPath("healthy-threshold")
                        ? r.intIn("healthy-threshold", 1, 100)
                        : d.healthyThreshold();
        return new HealthCheckSettings(protocol, path, interval, timeout, unhealthy, healthy);
    }

    /** Every leaf the user wrote under {@code rhizome} must exist in reference.conf. */
    private static void checkUnknownKeys(Config user) {
        if (!user.hasPath("rhizome")) {
            return;
        }
        ConfigValue root = user.getValue("rhizome");
        if (root.valueType() != ConfigValueType.OBJECT) {
            throw new ConfigError("rhizome", render(root) + " (expected: an object)");
        }
        Config reference = ConfigFactory.defaultReference().getConfig("rhizome");
        for (var entry : ((ConfigObject) root).toConfig().entrySet()) {
            String path = entry.getKey();
            if (path.equals("services")
                    || path.startsWith("services.")
                    || path.equals("upstreams")
                    || path.startsWith("upstreams.")) {
                continue; // validated element by element
            }
            if (!reference.hasPathOrNull(path)) {
                String parent = path.contains(".") ? path.substring(0, path.lastIndexOf('.')) : "";
                Set<String> known =
                        parent.isEmpty()
                                ? reference.root().keySet()
                                : reference.hasPath(parent)
                                                && reference.getValue(parent).valueType()
                                                        == ConfigValueType.OBJECT
                                        ? reference.getObject(parent).keySet()
                                        : Set.of();
                throw new ConfigError(
                        "rhizome." + path,
                        "unknown key"
                                + (known.isEmpty()
                                        ? ""
                                        : " (expected one of: " + new TreeSet<>(known) + ")"));
            }
        }
    }

    /** A duration as users write it: 500ms, 2s, 5m, 1h, 1d. */
    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        if (ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    static String render(ConfigValue value) {
        return value.render(ConfigRenderOptions.concise());
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*\\R\\s*", " ");
    }

    /** Typed reads whose errors name the key and the expected form. */
    private static final class Reader {
        private final Config config;
        private final String prefix;

        Reader(Config config) {
            this(config, "");
        }

        Reader(Config config, String prefix) {
            this.config = config;
            this.prefix = prefix;
        }

        private ConfigValue value(String path) {
            if (!config.hasPath(path)) {
                throw new ConfigError(prefix + path, "missing");
            }
            return config.getValue(path);
        }

        String required(String path, String fullKey) {
            if (!config.hasPath(path)) {
                throw new ConfigError(fullKey, "missing (expected: a string)");
            }
            return string(path);
        }

        String string(String path) {
            ConfigValue v = value(path);
            if (v.valueType() == ConfigValueType.OBJECT || v.valueType() == ConfigValueType.LIST) {
                throw new ConfigError(prefix + path, render(v) + " (expected: a string)");
            }
            return String.valueOf(v.unwrapped());
        }

        Path path(String path) {
            String s = string(path);
            if (s.isBlank()) {
                throw new ConfigError(prefix + path, "\"\" (expected: a file path)");
            }
            return Path.of(s);
        }

        String host(String path) {
            String s = string(path);
            if (s.isBlank() || s.chars().anyMatch(Character::isWhitespace) || s.contains("/")) {
                throw new ConfigError(
                        prefix + path,
                        HostPort.quote(s) + " (expected: a host name or IP address)");
            }
            return s;
        }

        int port(String path) {
            return intIn(path, 1, 65535);
        }

        int intIn(String path, int min, int max) {
            ConfigValue v = value(path);
            String expected = " (expected: an integer " + min + ".." + max + ")";
            Object raw = v.unwrapped();
            long n;
            if (raw instanceof Number num && num.doubleValue() == Math.rint(num.doubleValue())) {
                n = num.longValue();
            } else if (raw instanceof String s && s.matches("-?\\d{1,12}")) {
                n = Long.parseLong(s);
            } else {
                throw new ConfigError(prefix + path, render(v) + expected);
            }
            if (n < min || n > max) {
                throw new ConfigError(prefix + path, render(v) + expected);
            }
            return (int) n;
        }

        boolean bool(String path) {
            try {
                return config.getBoolean(path);
            } catch (ConfigException.WrongType e) {
                throw new ConfigError(prefix + path, render(value(path)) + " (expected: on | off)");
            }
        }

        Duration duration(String path, Duration min, Duration max) {
            Duration d;
            try {
                d = config.getDuration(path);
            } catch (ConfigException.BadValue | ConfigException.WrongType e) {
                throw new ConfigError(
                        prefix + path,
                        render(value(path)) + " (expected: a duration such as 500ms or 2s)");
            }
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw new ConfigError(
                        prefix + path,
                        render(value(path))
                                + " (expected: a duration "
                                + human(min)
                                + ".."
                                + human(max)
                                + ")");
            }
            return d;
        }

        List<String> stringList(String path) {
            return stringList(path, "\"host:port\"");
        }

        /** {@code element}: what each string must be, for the message. */
        List<String> stringList(String path, String element) {
            ConfigValue v = value(path);
            String expected = " (expected: a list of " + element + " strings)";
            if (v.valueType() != ConfigValueType.LIST) {
                throw new ConfigError(prefix + path, render(v) + expected);
            }
            List<String> out = new ArrayList<>();
            for (ConfigValue e : (ConfigList) v) {
                if (e.valueType() != ConfigValueType.STRING) {
                    throw new ConfigError(prefix + path, render(v) + expected);
                }
                out.add((String) e.unwrapped());
            }
            return out;
        }

        <E extends Enum<E>> E enumValue(String path, Class<E> type) {
            return enumValue(path, type, prefix + path);
        }

        /** {@code key}: the name the error gives the value. */
        <E extends Enum<E>> E enumValue(String path, Class<E> type, String key) {
            String s = string(path);
            List<String> names = new ArrayList<>();
            for (E e : type.getEnumConstants()) {
                String word = e.name().toLowerCase(Locale.ROOT);
                names.add(word);
                if (word.equals(s.toLowerCase(Locale.ROOT))) {
                    return e;
                }
            }
            throw new ConfigError(
                    key, HostPort.quote(s) + " (expected: " + String.join(" | ", names) + ")");
        }
    }
}
