#!/bin/sh
# Starts one Redis of the rotor-redis StatefulSet. Its role is whatever the Sentinels say:
# the replica of the primary they name, or the primary itself. When no Sentinel answers (the
# very first start of the set), rotor-redis-0 is the primary and the others replicate it.
# AOF fsynced every second on the pod's own volume: a restart keeps what was written up to
# about a second before it.
set -eu
me="$(hostname).rotor-redis-nodes"
primary=""
for i in 0 1 2; do
  answer=$(redis-cli -h "rotor-sentinel-$i.rotor-sentinel" -p 26379 --raw \
             sentinel get-master-addr-by-name rotor 2>/dev/null | head -n 1 || true)
  case "$answer" in
    ""|ERR*|*" "*) ;;
    *) primary="$answer"; break ;;
  esac
done
if [ -z "$primary" ]; then
  primary="rotor-redis-0.rotor-redis-nodes"
fi
set -- redis-server --port 6379 --dir /data \
  --appendonly yes --appendfsync everysec --save "" \
  --maxmemory 96mb --maxmemory-policy allkeys-lru \
  --replica-announce-ip "$me"
if [ "$primary" != "$me" ]; then
  set -- "$@" --replicaof "$primary" 6379
fi
echo "starting $me, primary: $primary"
exec "$@"
