-- Applies the atomic steps of transactional bindings: for each step (one entry, or the entries of one batch),
-- its staged writes (outputs, the handler's own writes), its idempotency markers and the XACK of its entries,
-- all together, and only if every entry of the step is still pending and owned by this consumer (fenced: an
-- entry another consumer took over meanwhile, or already acknowledged, must not have its outputs applied twice).
-- Before applying anything of a step, the types of its keys are checked, so that a write Redis would refuse
-- (WRONGTYPE) refuses the whole step instead of leaving half of it applied. Under maxmemory the first write of
-- the script fails, before anything is applied.
-- KEYS[1] stream; KEYS[2..] the other keys (markers, outputs, the handler's keys), same slot as the stream
-- ARGV: group, consumer, marker ttl ms, number of steps, then per step:
--   n ids, ids..., n markers, marker key indexes..., n commands, per command: name, key index, n args, args...
-- Returns, per step: 1 applied, 0 not owned (nothing applied), or the name of a key of the wrong type.
local stream = KEYS[1]
local group = ARGV[1]
local consumer = ARGV[2]
local ttl = ARGV[3]
local steps = tonumber(ARGV[4])
local pos = 5
local expected = { XADD = 'stream', HINCRBY = 'hash', HSET = 'hash', INCRBY = 'string', SADD = 'set',
  ZINCRBY = 'zset' }
local results = {}
for s = 1, steps do
  local ids = {}
  for i = 1, tonumber(ARGV[pos]) do
    ids[i] = ARGV[pos + i]
  end
  pos = pos + #ids + 1
  local markers = {}
  for i = 1, tonumber(ARGV[pos]) do
    markers[i] = KEYS[tonumber(ARGV[pos + i])]
  end
  pos = pos + #markers + 1
  local commands = {}
  local count = tonumber(ARGV[pos])
  pos = pos + 1
  for c = 1, count do
    local command = { ARGV[pos], KEYS[tonumber(ARGV[pos + 1])] }
    local nargs = tonumber(ARGV[pos + 2])
    for a = 1, nargs do
      command[2 + a] = ARGV[pos + 2 + a]
    end
    pos = pos + 3 + nargs
    commands[c] = command
  end
  local owned = true
  for _, id in ipairs(ids) do
    local pending = redis.call('XPENDING', stream, group, id, id, 1, consumer)
    if #pending ~= 1 then
      owned = false
    end
  end
  local wrong = nil
  if owned then
    for _, command in ipairs(commands) do
      local want = expected[command[1]]
      if want ~= nil then
        local actual = redis.call('TYPE', command[2])['ok']
        if actual ~= 'none' and actual ~= want then
          wrong = command[2]
        end
      end
    end
  end
  if not owned then
    results[s] = 0
  elseif wrong ~= nil then
    results[s] = wrong
  else
    for _, command in ipairs(commands) do
      redis.call(unpack(command))
    end
    for _, marker in ipairs(markers) do
      redis.call('SET', marker, '1', 'PX', ttl)
    end
    redis.call('XACK', stream, group, unpack(ids))
    results[s] = 1
  end
end
return results
