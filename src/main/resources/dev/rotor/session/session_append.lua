-- Append messages to an existing session as one block, keeping the newest max messages.
-- KEYS[1]  hash   KEYS[2]  message list (see session_read.lua)
-- ARGV[1]  lastUsed (ms)   ARGV[2]  idle ttl (ms)   ARGV[3]  max messages   ARGV[4..]  messages
-- returns  nil when the session is missing, else the session as session_read.lua returns it
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
for i = 4, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
redis.call('HSET', KEYS[1], 'lastUsed', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1)}
