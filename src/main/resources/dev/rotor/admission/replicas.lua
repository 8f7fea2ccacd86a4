-- Heartbeat of one replica and the count of live ones, atomically.
-- KEYS[1]  sorted set: member = replica id, score = its last heartbeat (ms)
-- ARGV[1]  now (ms)   ARGV[2]  replica id   ARGV[3]  heartbeat lifetime (ms)
-- returns  the number of replicas whose heartbeat is younger than the lifetime
-- Old members are removed on every call and the set itself expires, so it never holds
-- more than the replicas alive within one lifetime.
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
redis.call('PEXPIRE', KEYS[1], ttl)
return redis.call('ZCARD', KEYS[1])
