-- Read a session and mark it used, atomically.
-- KEYS[1]  hash: system, created, lastUsed   KEYS[2]  list of JSON messages, oldest first
-- ARGV[1]  lastUsed (ms)   ARGV[2]  idle ttl (ms)
-- returns  nil when the session is missing, else {hash fields and values..., messages...}
local meta = redis.call('HGETALL', KEYS[1])
if #meta == 0 then return false end
redis.call('HSET', KEYS[1], 'lastUsed', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
meta = redis.call('HGETALL', KEYS[1])
return {meta, redis.call('LRANGE', KEYS[2], 0, -1)}
