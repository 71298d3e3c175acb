-- The ownership lease of one partition of a consumer group: a key in the partition stream's cluster slot whose
-- value is the owner's token. Taken with SET NX PX; renewed and released only by the token that holds it, so an
-- owner whose lease expired (and was perhaps taken by another) can neither renew nor release it.
-- KEYS[1] lease key
-- ARGV[1] action: 'take', 'renew', 'release' or 'owner'; ARGV[2] the owner's token; ARGV[3] lease time (ms)
-- Returns { 1 or 0 (done or not), the owner after the call or '' }
local owner = redis.call('GET', KEYS[1])
if ARGV[1] == 'owner' then
  return { 0, owner or '' }
end
if owner == ARGV[2] then
  if ARGV[1] == 'release' then
    redis.call('DEL', KEYS[1])
    return { 1, '' }
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return { 1, owner }
end
if ARGV[1] == 'take' and not owner then
  redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[3])
  return { 1, ARGV[2] }
end
return { 0, owner or '' }
