import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A stand-in for the Kubernetes API's eviction endpoint, over HTTPS with its own CA, that
 * marks the pod's slot for graceful deletion (the kubelet supervisor acts on the mark).
 */
final class KubernetesApi {
    private KubernetesApi() {
    }

    /** Starts the stand-in and sets the environment the replicas need to reach it. */
    static com.sun.net.httpserver.HttpsServer start(Path dir, List<Slot> slots, Map<String, String> env)
            throws Exception {
        Path keystore = dir.resolve("api.p12");
        Files.deleteIfExists(keystore);
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        for (List<String> args : List.of(
                List.of("-genkeypair", "-alias", "api", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                        "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-keystore", keystore.toString(), "-storetype",
                        "PKCS12", "-storepass", "changeit"),
                List.of("-exportcert", "-rfc", "-alias", "api", "-keystore", keystore.toString(), "-storepass", "changeit",
                        "-file", dir.resolve("ca.crt").toString()))) {
            List<String> cmd = new ArrayList<>(List.of(keytool.toString()));
            cmd.addAll(args);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("keytool failed");
            }
        }
        Files.writeString(dir.resolve("token"), "fleet-token\n");
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("SunX509");
        kmf.init(ks, "changeit".toCharArray());
        javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        com.sun.net.httpserver.HttpsServer api = com.sun.net.httpserver.HttpsServer.create(
                new InetSocketAddress("127.0.0.1", 0), 0);
        api.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(ssl));
        api.createContext("/api/v1/namespaces/fleet/pods/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            var m = java.util.regex.Pattern.compile(".*/pods/fleet-(\\d+)/eviction").matcher(path);
            int status = 404;
            if (!"Bearer fleet-token".equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                status = 401;
            } else if (m.matches() && Integer.parseInt(m.group(1)) < slots.size()) {
                slots.get(Integer.parseInt(m.group(1))).evictionRequested.set(true);
                status = 201;
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        api.start();
        env.put("ROTOR_KUBERNETES_API", "https://127.0.0.1:" + api.getAddress().getPort());
        env.put("ROTOR_KUBERNETES_TOKEN_PATH", dir.resolve("token").toString());
        env.put("ROTOR_KUBERNETES_CA_PATH", dir.resolve("ca.crt").toString());
        return api;
    }
}
