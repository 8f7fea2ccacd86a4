-- Mark a session used (one of a batch of reads), never bringing back a deleted one.
-- KEYS[1]  hash   KEYS[2]  message list (see session_read.lua)
-- ARGV[1]  lastUsed (ms), kept only if later than the stored one   ARGV[2]  idle ttl (ms)
-- returns  1 when the session exists, else 0
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local stored = tonumber(redis.call('HGET', KEYS[1], 'lastUsed'))
if not stored or stored < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'lastUsed', ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
