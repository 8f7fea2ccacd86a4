# Rotor's container image. Build (on this project's machines, see README):
#   DOCKER_BUILDKIT=1 docker build -t rotor:local .
# Two stages: Maven builds the jar, then the JRE image runs it as a non-root user with a
# JDK AOT cache trained inside that same runtime image.

# Base images pinned to exact versions (the Maven the wrapper pins, the JDK the project tests
# with). Add the digest where you can pull (FROM image:tag@sha256:...): a tag can still be
# re-pushed, a digest cannot; this project's build machines reach no registry to read one.
FROM maven:3.9.11-eclipse-temurin-25 AS build
WORKDIR /build
# Dependencies first, in their own layer: it is rebuilt only when pom.xml or .mvn changes,
# so editing sources does not download the dependencies again. The image's own Maven
# (3.9, the version the wrapper pins) is used instead of ./mvnw: the wrapper would fetch
# a second copy of Maven, and the image's MAVEN_CONFIG=/root/.m2 trips older wrappers.
COPY pom.xml ./
COPY .mvn/ .mvn/
RUN mvn -B -q dependency:go-offline
COPY application.yaml ./
COPY src/ src/
# Tests run in bin/test and CI, not in every image build.
RUN mvn -B -q -DskipTests package
# The AOT training workload (a few KB): a real HTTP/1.1 client, which the JRE image lacks.
COPY deploy/image/AotTrainingWorkload.java deploy/
RUN javac --release 21 -d /build/training deploy/AotTrainingWorkload.java

FROM eclipse-temurin:25.0.3_9-jre
# A fixed numeric uid/gid, so that Kubernetes' runAsNonRoot can verify it from the image.
RUN groupadd --system --gid 10001 rotor \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin rotor
WORKDIR /app
# Libraries change less often than the application jar: separate layers.
COPY --from=build /build/target/libs/ /app/libs/
COPY --from=build /build/target/rotor.jar /app/rotor.jar
# The jar carries the same file; this copy is where an operator mounts their own
# (a file in the working directory is read on top of the jar's).
COPY application.yaml /app/application.yaml
COPY deploy/image/rotor deploy/image/heap.sh deploy/image/jit.sh deploy/image/respawn.sh deploy/image/workers.sh deploy/image/healthcheck deploy/image/aot-train /app/bin/
COPY --from=build /build/training/ /app/bin/
# The AOT cache: a training run of the real jar in this very runtime image (same JVM build,
# same class path, same flags as at run time), which serves a small quota and exits.
# It comes after every COPY above, so any change to the jar, its libraries, the
# configuration or the scripts trains a new cache: a stale one would serve old classes.
RUN /app/bin/aot-train /app/rotor.aot && chmod 0444 /app/rotor.aot
USER 10001:10001
ENV PORT=8080
# Exit mode by default: a JVM that reaches its quota asks the entrypoint for its successor,
# serves until the successor is ready on the same port, then stops accepting, answers what it
# accepted and exits 0 (deploy/image/workers.sh; WORKERS JVMs, 1 by default). No request fails
# across a rotation, with one container (ROTOR_RESPAWN=false: the container exits instead, and
# every restart policy acts on an exit: docker run --restart unless-stopped, compose, Render,
# Kubernetes). Set net.ipv4.tcp_migrate_req=1 where the platform allows (docker run --sysctl):
# the kernel then moves connections queued on a leaving JVM's listener to its successor. Only Kubernetes acts on a failed liveness
# probe, so the liveness default of the app would never rotate under plain Docker. k8s/ sets
# its mode itself.
ENV ROTOR_EXIT_MODE=exit
EXPOSE 8080
# No curl or wget in this image, and CMD-SHELL would run dash (no /dev/tcp): exec form,
# bash, readiness on the port that serves /observe. start-period covers a cold JVM.
HEALTHCHECK --interval=5s --timeout=2s --start-period=20s --retries=2 CMD ["/app/bin/healthcheck"]
ENTRYPOINT ["/app/bin/rotor"]
