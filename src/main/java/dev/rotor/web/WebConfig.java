package dev.rotor.web;

import java.util.Optional;

import dev.rotor.config.Settings;

/**
 * Where the replica listens.
 *
 * @param port      public port ({@code server.port}, {@code PORT})
 * @param host      listen address ({@code server.host}, {@code ROTOR_HOST})
 * @param adminPort port for {@code /observe} when set ({@code rotor.admin-port}, {@code ROTOR_ADMIN_PORT})
 */
public record WebConfig(int port, String host, Optional<Integer> adminPort) {
    /**
     * @param root settings over the root configuration
     * @return validated listener settings
     */
    public static WebConfig from(Settings root) {
        // port 0 lets tests take a free port
        int port = root.node("server").integer("port", 0, 65535);
        Optional<Integer> admin = root.node("rotor").optionalPort("admin-port");
        if (admin.isPresent() && admin.get() == port) {
            throw root.node("rotor").invalid("admin-port", "must differ from the public port " + port);
        }
        return new WebConfig(port, root.node("server").string("host"), admin);
    }
}
