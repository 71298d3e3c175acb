-- Applies the atomic steps of transactional bindings: for each step (one entry, or the entries of one batch),
-- its staged writes (outputs, the handler's own writes), its idempotency markers and the XACK of its entries,
-- all together, and only if every entry of the step is still pending and owned by this consumer (fenced: an
-- entry another consumer took over meanwhile, or already acknowledged, must not have its effects applied twice).
-- All or nothing: Redis does not roll a script back, so each step keeps an undo record (the value of each key
-- it changes, taken with DUMP before its first change, and the ids of the entries it adds); should one of its
-- writes fail (WRONGTYPE, not an integer, overflow...), the step is undone and reported, and the other steps
-- of the call go on. Under maxmemory the first write of the script is refused before anything is applied.
-- A step whose idempotency marker exists already (a duplicate processed meanwhile by another consumer) applies
-- nothing but its XACK.
-- KEYS[1] stream; KEYS[2..] the other keys (markers, outputs, the handler's keys), same slot as the stream
-- ARGV: group, consumer, marker ttl ms, number of steps, then per step:
--   n ids, ids..., n markers, marker key indexes..., n commands, per command: name, key index, n args, args...
-- Returns, per step: 1 applied, 0 owned by another consumer, 2 no longer pending (acknowledged already),
-- 3 a duplicate (marker found: only acknowledged), or the error that undid it.
local stream = KEYS[1]
local group = ARGV[1]
local consumer = ARGV[2]
local ttl = ARGV[3]
local steps = tonumber(ARGV[4])
local pos = 5

local function ack(ids)
  -- unpack is limited to a few thousand values: a batch's ids go in chunks
  for first = 1, #ids, 1000 do
    redis.call('XACK', stream, group, unpack(ids, first, math.min(first + 999, #ids)))
  end
end

local function undo(saved, added)
  for i = #added, 1, -1 do
    local entry = added[i]
    if entry.created then
      redis.call('DEL', entry.key)
    else
      redis.call('XDEL', entry.key, entry.id)
    end
  end
  for key, value in pairs(saved) do
    if value.dump == false then
      redis.call('DEL', key)
    else
      redis.call('RESTORE', key, value.ttl, value.dump, 'REPLACE')
    end
  end
end

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

  local result = 1
  for _, id in ipairs(ids) do
    local pending = redis.call('XPENDING', stream, group, id, id, 1)
    if #pending ~= 1 then
      result = 2
    elseif pending[1][2] ~= consumer and result ~= 2 then
      result = 0
    end
  end
  if result == 1 then
    for _, marker in ipairs(markers) do
      if redis.call('EXISTS', marker) == 1 then
        result = 3
      end
    end
  end
  if result == 3 then
    ack(ids)
  elseif result == 1 then
    local saved = {}
    local added = {}
    local failure = nil
    for _, command in ipairs(commands) do
      local key = command[2]
      if command[1] == 'XADD' then
        local existed = redis.call('EXISTS', key) == 1
        local reply = redis.pcall(unpack(command))
        if type(reply) == 'table' and reply.err then
          failure = reply.err
          break
        end
        table.insert(added, { key = key, id = reply, created = not existed })
      else
        if saved[key] == nil then
          local dump = redis.call('DUMP', key)
          local pttl = redis.call('PTTL', key)
          saved[key] = { dump = dump, ttl = (pttl > 0) and pttl or 0 }
        end
        local reply = redis.pcall(unpack(command))
        if type(reply) == 'table' and reply.err then
          failure = reply.err
          break
        end
      end
    end
    if failure ~= nil then
      undo(saved, added)
      result = failure
    else
      for _, marker in ipairs(markers) do
        redis.call('SET', marker, '1', 'PX', ttl)
      end
      ack(ids)
    end
  end
  results[s] = result
end
return results
