-- Reads several hashes and lists of one hash slot at one instant: a script runs alone, so no write
-- lands between its reads. It replaces a MULTI/EXEC, which Redis Cluster clients do not offer, and works
-- the same on a standalone Redis, behind Sentinel and on a cluster (the keys share a hash tag).
-- KEYS the keys to read; ARGV[i] 'hash' (HGETALL) or 'list' (LRANGE 0 -1) for KEYS[i]
-- Returns one array per key: field, value, field, value... for a hash, the elements for a list;
-- an empty array for a key that does not exist.
local replies = {}
for i, key in ipairs(KEYS) do
  if ARGV[i] == 'list' then
    replies[i] = redis.call('LRANGE', key, 0, -1)
  else
    replies[i] = redis.call('HGETALL', key)
  end
end
return replies
