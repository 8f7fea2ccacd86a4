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
set -- redis-server - --port 6379 --dir /data \
  --appendonly yes --appendfsync everysec --save "" \
  --maxmemory 96mb --maxmemory-policy allkeys-lru \
  --replica-announce-ip "$me" --protected-mode no
if [ "$primary" != "$me" ]; then
  set -- "$@" --replicaof "$primary" 6379
fi
echo "starting $me, primary: $primary"
# The ACL on standard input (no password on a command line): the base Redis's user rotor
# (k8s/base/redis.yaml), and the users a set needs: replica (replication) and sentinel (what
# Redis's Sentinel documentation lists for a Sentinel's user), all with REDIS_PASSWORD (the
# rotor-redis Secret); masteruser/masterauth so that whichever server is the replica after a
# failover signs in to the primary.
exec "$@" <<EOF
user default off
user rotor on >$REDIS_PASSWORD ~rotor:* &__redis__:invalidate -@all +ping +hello +select +auth +client|id +client|setname +client|tracking +subscribe +unsubscribe +evalsha +eval +script|load +role +wait +del +zrem +exists +get +set +hget +hgetall +hset +lrange +ltrim +rpush +pexpire +time +zadd +zcard +zremrangebyscore +zscore
user replica on >$REDIS_PASSWORD -@all +psync +replconf +ping
user sentinel on >$REDIS_PASSWORD allchannels -@all +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill
masteruser replica
masterauth $REDIS_PASSWORD
EOF
