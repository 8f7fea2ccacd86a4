/**
 * Several Rotor JVMs ("workers") serving one port in one container, as gunicorn's workers did,
 * without gunicorn's gap: the supervisor (the image's entrypoint or {@code bin/run}, see
 * {@code deploy/image/workers.sh}) starts {@code WORKERS} JVMs that all bind the port with
 * {@code SO_REUSEPORT}; a worker that starts to drain asks for its successor at once, keeps
 * serving until the successor is ready, and only then stops accepting. This package is the
 * worker's side of that protocol: its settings, the events it sends the supervisor, the file
 * that tells it the successor is ready, and the container's handover lock (one worker hands
 * over at a time, so a container never has fewer than {@code WORKERS - 1} ready).
 */
package dev.rotor.worker;
