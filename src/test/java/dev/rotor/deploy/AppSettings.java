package dev.rotor.deploy;

import java.util.Map;

import dev.rotor.admission.AdmissionConfig;
import dev.rotor.config.ConfigLoader;
import dev.rotor.config.Settings;
import dev.rotor.departure.DepartureConfig;
import dev.rotor.departure.ExitMode;
import dev.rotor.lifecycle.LifecycleConfig;
import dev.rotor.logging.LoggingConfig;
import dev.rotor.redis.RedisConfig;
import dev.rotor.session.SessionConfig;
import dev.rotor.upstream.ChatConfig;
import dev.rotor.upstream.GeoIpConfig;
import dev.rotor.web.WebConfig;

/**
 * The settings a replica would start with, given a deployment file's environment: read by
 * the app's own loader and validated by its own records, so that a value the app would
 * refuse at startup fails the test instead.
 */
record AppSettings(WebConfig web, LifecycleConfig lifecycle, ExitMode exitMode, AdmissionConfig admission, ChatConfig chat,
                   GeoIpConfig geoIp, SessionConfig session, LoggingConfig logging, RedisConfig redis) {
    static AppSettings of(Map<String, String> environment) {
        Settings root = Settings.of(ConfigLoader.load(environment, Map.of()));
        Settings rotor = root.node("rotor");
        return new AppSettings(WebConfig.from(root),
                               LifecycleConfig.from(rotor.node("lifecycle")),
                               // the mode alone: evict mode would check the pod's token and CA files
                               DepartureConfig.exitMode(rotor.node("lifecycle")),
                               AdmissionConfig.from(rotor.node("admission")),
                               ChatConfig.from(rotor.node("chat")),
                               GeoIpConfig.from(rotor.node("geoip")),
                               SessionConfig.from(rotor.node("session")),
                               LoggingConfig.from(rotor),
                               RedisConfig.from(rotor.node("redis")));
    }
}
