#!/usr/bin/env bash
# Container smoke test, the user's path as written in docs/deploying.md:
#   1. from an engine with no rotor image, `docker compose up --build` (the documented
#      command, word for word; `docker-compose up --build` where only compose v1 exists) and
#      the first request through HAProxy is served, rate limited by default;
#   2. the image: runs as non-root on a read-only root, uses its AOT cache (the JVM is told
#      to refuse to start without it), its HEALTHCHECK follows readiness; under a plain
#      `docker run --restart unless-stopped` a replica rotates (exit mode is the default): its
#      entrypoint starts the next JVM in the same container, and `docker stop` drains it and
#      ends the container with status 0; with ROTOR_RESPAWN=false the container exits and
#      Docker restarts it;
#   3. the compose stack under a bounded load with a small quota: every response is 200
#      while replicas drain, exit, are started again in their containers and serve again.
#   deploy/smoke-test.sh            (needs Docker with compose, and curl; ~4 minutes)
# Settings: SMOKE_PORT (host port on 127.0.0.1, default 20480), DOCKER (docker CLI),
# SMOKE_REQUESTS (per worker, 6 workers at 8/s each, default 500).
# Containers, networks and the project are named rotorsmoke*: nothing here depends on or
# clashes with another stack (no fixed subnet, no fixed container name, no port but PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
DOCKER=${DOCKER:-docker}
PORT=${SMOKE_PORT:-20480}
PER_WORKER=${SMOKE_REQUESTS:-500}
IMAGE=rotor:local
work=$(mktemp -d)
single=""
up_pid=""

# The documented command is `docker compose up --build`; compose v1 spells it
# `docker-compose up --build`. The project name comes from the environment, so that the
# command itself stays exactly as documented.
if "$DOCKER" compose version >/dev/null 2>&1; then compose=("$DOCKER" compose); else compose=(docker-compose); fi
export COMPOSE_PROJECT_NAME=rotorsmoke

say() { echo "smoke: $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
cleanup() {
  local status=$?
  if (( status != 0 )); then
    say "last log lines:"
    "${compose[@]}" logs --no-color --tail 40 >&2 2>/dev/null || true
    [[ -s $work/up.log ]] && tail -n 20 "$work/up.log" >&2
    [[ -n $single ]] && "$DOCKER" logs --tail 40 "$single" >&2 2>/dev/null || true
  fi
  [[ -n $single ]] && "$DOCKER" rm -f "$single" >/dev/null 2>&1 || true
  "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  if [[ -n $up_pid ]]; then kill "$up_pid" 2>/dev/null || true; wait "$up_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Polls a command until it succeeds or the deadline (seconds) passes.
wait_for() {
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    (( SECONDS < deadline )) || fail "$what: not within ${seconds}s"
    sleep 0.25
  done
}
health() { "$DOCKER" inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null; }
is_health() { [[ $(health "$1") == "$2" ]]; }
http_status() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$1" || true; }
apps() { "${compose[@]}" ps -q app; }
all_healthy() {
  local n=0 c
  for c in $(apps); do is_health "$c" healthy || return 1; n=$((n + 1)); done
  (( n == $1 ))
}

say "1. from an engine without $IMAGE: ${compose[*]} up --build"
"${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
"$DOCKER" image rm -f "$IMAGE" >/dev/null 2>&1 || true
if "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then fail "$IMAGE is still present"; fi
# A small quota so that the load below sees rotations; every replica must use its AOT cache.
export ROTOR_PUBLISH_PORT=$PORT ROTOR_MAX_REQUESTS=500 ROTOR_MAX_REQUESTS_JITTER=150 ROTOR_DRAIN_PERIOD=PT3S \
  JAVA_OPTS=-XX:AOTMode=on
"${compose[@]}" config -q
"${compose[@]}" up --build >"$work/up.log" 2>&1 &
up_pid=$!
first_served() {
  kill -0 "$up_pid" 2>/dev/null || fail "${compose[*]} up --build ended: $(tail -n 5 "$work/up.log")"
  curl -s -D "$work/first.headers" -o "$work/first.body" -m 5 "http://127.0.0.1:$PORT/" >/dev/null 2>&1 &&
    grep -q '^HTTP/1.1 200' "$work/first.headers"
}
# the build (Maven, AOT training) and the first start; generous for a cold Maven cache
wait_for "the first request served through HAProxy" 900 first_served
say "first request served: $(tr -d '\n' <"$work/first.body" | cut -c1-120)"
grep -qi '^RateLimit-Limit: [1-9]' "$work/first.headers" || fail "no RateLimit-Limit header: rate limiting is not on by default"
"$DOCKER" image inspect "$IMAGE" >/dev/null || fail "up --build did not tag $IMAGE"
wait_for "both replicas healthy" 90 all_healthy 2
[[ $("$DOCKER" image ls -q "$IMAGE" | wc -l) == 1 ]] || fail "more than one $IMAGE image"

say "2. the image runs as a non-root user"
uid=$("$DOCKER" run --rm --entrypoint id "$IMAGE" -u)
[[ $uid =~ ^[0-9]+$ && $uid != 0 ]] || fail "container user id is '$uid'"

say "a read-only container with compose's memory limit starts with the AOT cache, and its HEALTHCHECK follows readiness"
# AOTMode=on makes the JVM refuse to start if the cache cannot be used (stale, or trained
# with another heap layout than this container's). ROTOR_RESPAWN=false: one JVM that drains out
# of its load balancer (readiness 503); with the default the container stays ready throughout,
# its successor taking over in place (checked below).
single=$("$DOCKER" run -d --name rotorsmoke-single --read-only --tmpfs /tmp --memory 384m -p "127.0.0.1:$((PORT + 1)):8080" \
  --health-interval 1s -e JAVA_OPTS=-XX:AOTMode=on -e ROTOR_RESPAWN=false -e ROTOR_MAX_REQUESTS=3 \
  -e ROTOR_MAX_REQUESTS_JITTER=0 -e ROTOR_DRAIN_PERIOD=PT60S -e ROTOR_DRAIN_TIMEOUT=PT90S "$IMAGE")
single_health() {
  [[ $("$DOCKER" inspect -f '{{.State.Running}}' "$single") == true ]] || fail "the container exited: $("$DOCKER" logs --tail 3 "$single" 2>&1)"
  is_health "$single" "$1"
}
wait_for "container healthy" 60 single_health healthy
# a quota: the quick JIT (C1 only), loading the cache that training wrote with both compilers
# the log is read whole first: `docker logs | grep -q` under pipefail fails whenever grep's early
# exit cuts docker logs off with SIGPIPE, and a match early in a long log made that likely
single_logs=$("$DOCKER" logs "$single" 2>&1)
grep -q 'jit quick (C1 only) with early compilation' <<<"$single_logs" || fail "the image did not pick the quick JIT, compiling early from its cache, for a quota"
for _ in 1 2 3; do [[ $(http_status "http://127.0.0.1:$((PORT + 1))/") == 200 ]] || fail "GET / was not 200"; done
[[ $(http_status "http://127.0.0.1:$((PORT + 1))/observe/health/ready") == 503 ]] || fail "readiness should be 503 after the quota"
wait_for "container unhealthy while draining" 20 single_health unhealthy
"$DOCKER" rm -f "$single" >/dev/null
single=""

say "docker run --restart unless-stopped with the image's defaults: a replica that reaches its quota is replaced in place by a new JVM in the same container"
single=$("$DOCKER" run -d --name rotorsmoke-respawn --read-only --tmpfs /tmp --memory 384m --restart unless-stopped \
  -p "127.0.0.1:$((PORT + 2)):8080" -e ROTOR_MAX_REQUESTS=2 -e ROTOR_MAX_REQUESTS_JITTER=0 -e ROTOR_DRAIN_PERIOD=PT1S "$IMAGE")
restart_served() { [[ $(http_status "http://127.0.0.1:$((PORT + 2))/") == 200 ]]; }
# (logs are read whole into a variable before grep: see single_logs above)
entrypoint_lines() { local l; l=$("$DOCKER" logs "$1" 2>&1); grep -c 'rotor.entrypoint: worker .* hands over: worker .* starts in slot' <<<"$l" || true; }
# the handover is complete once the old JVM says so (its successor was ready before it stopped accepting)
respawned() { local l; l=$("$DOCKER" logs "$single" 2>&1); (( $(entrypoint_lines "$single") >= 1 )) && grep -q 'handed over to its successor' <<<"$l"; }
wait_for "the first JVM serving" 60 restart_served
[[ $(http_status "http://127.0.0.1:$((PORT + 2))/") == 200 ]] || fail "the quota's second request was not 200"
wait_for "a new JVM started in the container after the quota" 60 respawned
wait_for "the new JVM serving" 60 restart_served
[[ $("$DOCKER" inspect -f '{{.RestartCount}}' "$single") == 0 ]] || fail "Docker restarted the container: the entrypoint should have started the JVM itself"
# docker stop: SIGTERM reaches the JVM through the entrypoint, which drains and exits 0
"$DOCKER" stop -t 40 "$single" >/dev/null
[[ $("$DOCKER" inspect -f '{{.State.ExitCode}}' "$single") == 0 ]] || fail "docker stop: exit code $("$DOCKER" inspect -f '{{.State.ExitCode}}' "$single")"
single_logs=$("$DOCKER" logs "$single" 2>&1)
# at least the rotation and docker stop (the probes above count too, so a successor may have
# rotated again), every one clean
(( $(grep -c 'stopped after .* exit status 0' <<<"$single_logs" || true) >= 2 )) || fail "expected clean JVM exits for the rotation and docker stop"
! grep -q 'stopped after .* exit status [1-9]' <<<"$single_logs" || fail "a JVM exited with a failure status"
"$DOCKER" rm -f "$single" >/dev/null
single=""

say "ROTOR_RESPAWN=false: the container itself exits after the quota and Docker restarts it"
single=$("$DOCKER" run -d --name rotorsmoke-restart --read-only --tmpfs /tmp --memory 384m --restart unless-stopped \
  -p "127.0.0.1:$((PORT + 2)):8080" -e ROTOR_RESPAWN=false -e ROTOR_MAX_REQUESTS=1 -e ROTOR_MAX_REQUESTS_JITTER=0 \
  -e ROTOR_DRAIN_PERIOD=PT1S "$IMAGE")
wait_for "the plain container serving" 60 restart_served
restarted() { (( $("$DOCKER" inspect -f '{{.RestartCount}}' "$single") >= 1 )); }
wait_for "the container restarted after its quota" 60 restarted
wait_for "the restarted container serving" 60 restart_served
single_logs=$("$DOCKER" logs "$single" 2>&1)
grep -q 'stopped after .* exit status 0' <<<"$single_logs" || fail "no clean exit logged"
"$DOCKER" rm -f "$single" >/dev/null
single=""

say "3. load: 6 clients (own API keys, under the 600/min rate limit) x $PER_WORKER requests at 8/s each through HAProxy"
respawns() {
  local sum=0 c
  for c in $(apps); do sum=$((sum + $(entrypoint_lines "$c"))); done
  echo "$sum"
}
before=$(respawns)
for _ in $(seq "$PER_WORKER"); do printf 'url = "http://127.0.0.1:%s/"\noutput = "/dev/null"\n' "$PORT"; done >"$work/urls"
pids=()
for w in 1 2 3 4 5 6; do
  # one keep-alive connection per client, like a browser or an API client
  curl -s --rate 8/s -m 600 -H "X-Api-Key: smoke-client-$w" -K "$work/urls" -w '%{http_code}\n' >"$work/status.$w" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
total=$(cat "$work"/status.* | wc -l)
ok=$(cat "$work"/status.* | grep -c '^200$' || true)
say "responses: $(cat "$work"/status.* | sort | uniq -c | awk '{printf "%s x %s; ", $1, $2}')"
(( total == 6 * PER_WORKER )) || fail "$total responses for $((6 * PER_WORKER)) requests"
(( ok == total )) || fail "$((total - ok)) of $total responses were not 200"

after=$(respawns)
(( after > before )) || fail "no replica was started again in its container during the load (respawns $before -> $after)"
for c in $(apps); do
  [[ $("$DOCKER" inspect -f '{{.RestartCount}}' "$c") == 0 ]] || fail "compose restarted a container: rotations should start a new JVM inside it"
done
logs=$("${compose[@]}" logs --no-color app)
grep -q 'reached its quota' <<<"$logs" || fail "no replica logged reaching its quota"
grep -q 'stopped after .* exit status 0' <<<"$logs" || fail "no replica logged its exit"
grep -q 'jit quick (C1 only) with early compilation' <<<"$logs" || fail "compose's replicas (quota 800) did not run the quick JIT with early compilation"
# restarted replicas serve again: both healthy, and a fresh replica answers
wait_for "both replicas healthy again" 60 all_healthy 2
served_ids=$(grep -o 'replica [0-9a-f]\{6\} serving' <<<"$logs" | sort -u | wc -l)
(( served_ids > 2 )) || fail "only $served_ids replica processes ever served"
say "PASS: first request served after ${compose[*]} up --build; $total requests, all 200; $((after - before)) JVMs started again in their containers; $served_ids replica processes served"
