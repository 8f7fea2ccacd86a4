-- Read a session. Reads write nothing: a write would invalidate every replica's cached copy
-- of the session (CLIENT TRACKING), including the reader's own. Last-use refreshes are
-- batched instead (session_touch.lua).
-- KEYS[1]  hash: system, created, lastUsed   KEYS[2]  list of JSON messages, oldest first
-- returns  nil when the session is missing, else {hash fields and values..., messages...}
local meta = redis.call('HGETALL', KEYS[1])
if #meta == 0 then return false end
return {meta, redis.call('LRANGE', KEYS[2], 0, -1)}
