#!/usr/bin/env python3
"""Redis CPU of one acknowledgement flush of a processor, at-least-once against transactional.

Sends Redis exactly what the binder sends for a flush of 100 processed entries (100 pending entries of a
group, each turned into one output entry), without the JVM, and reads Redis's CPU time (INFO cpu) around it:

  A            at-least-once: 100 output XADDs, one write each, then one XACK of the 100 ids
  B            transactional: one commit-steps.lua call of 100 steps, each one output XADD
  C            the same, each step an HINCRBY on a hash of 16 fields, then the output XADD
  B:<variant>  B with a copy of the script from which one part was taken out, to tell what it costs:
               nofence (the XPENDING per entry), noexists (the EXISTS before each XADD), oneack (one XACK per
               call instead of one per step), noundo (the DUMP and PTTL of the undo record), bare (all of them)

The script is the binder's (binder/src/main/resources/.../commit-steps.lua); the variants are copies made here by
text replacement, for diagnosis only (they are not safe: no fence, no undo). Measurements of all variants are
interleaved; the median and the minimum over the repetitions are printed, in microseconds of Redis CPU per entry.
Use a Redis of its own (its INFO cpu must count nothing else); the keys are micro:in and {micro:in}:*.

  python3 benchmarks/scripts/commit-steps-cost.py --port 6391 --batches 200 --reps 15
"""
import argparse
import json
import pathlib
import socket

SCRIPT = (pathlib.Path(__file__).resolve().parents[2]
          / 'binder/src/main/resources/io/github/redisstreams/binder/scripts/commit-steps.lua')

FENCE = """    local pending = redis.call('XPENDING', stream, group, id, id, 1)
    if #pending ~= 1 then"""
NO_FENCE = """    local pending = {{0, consumer}}
    if #pending ~= 1 then"""
EXISTS = "local existed = redis.call('EXISTS', key) == 1"
NO_EXISTS = "local existed = true"
UNDO = """        if saved[key] == nil then
          local dump = redis.call('DUMP', key)
          local pttl = redis.call('PTTL', key)
          saved[key] = { dump = dump, ttl = (pttl > 0) and pttl or 0 }
        end"""
STEP_ACK = """        redis.call('SET', marker, '1', 'PX', ttl)
      end
      ack(ids)"""
CALL_ACK = """        redis.call('SET', marker, '1', 'PX', ttl)
      end
      for _, id in ipairs(ids) do table.insert(applied, id) end"""


def replaced(text, old, new):
    if old not in text:
        raise SystemExit('commit-steps.lua changed: cannot find\n' + old)
    return text.replace(old, new)


def variants(source):
    one_ack = replaced(replaced(replaced(source, STEP_ACK, CALL_ACK), 'local results = {}',
                                'local results = {}\nlocal applied = {}'),
                       'return results', 'ack(applied)\nreturn results')
    return {
        'full': source,
        'nofence': replaced(source, FENCE, NO_FENCE),
        'noexists': replaced(source, EXISTS, NO_EXISTS),
        'noundo': replaced(source, UNDO, ''),
        'oneack': one_ack,
        'bare': replaced(replaced(replaced(one_ack, FENCE, NO_FENCE), EXISTS, NO_EXISTS), UNDO, ''),
    }


class Redis:

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.replies = self.sock.makefile('rb')

    @staticmethod
    def encode(*args):
        out = [b'*%d\r\n' % len(args)]
        for arg in args:
            arg = arg if isinstance(arg, bytes) else str(arg).encode()
            out.append(b'$%d\r\n%s\r\n' % (len(arg), arg))
        return b''.join(out)

    def send(self, *args):
        self.sock.sendall(self.encode(*args))

    def read(self):
        line = self.replies.readline()
        kind, rest = line[:1], line[1:-2]
        if kind in (b'+', b':'):
            return rest
        if kind == b'-':
            raise RuntimeError(rest.decode())
        if kind == b'$':
            size = int(rest)
            return None if size < 0 else self.replies.read(size + 2)[:-2]
        size = int(rest)
        return None if size < 0 else [self.read() for _ in range(size)]

    def call(self, *args):
        self.send(*args)
        return self.read()

    def cpu_seconds(self):
        fields = dict(line.split(':', 1) for line in self.call('INFO', 'cpu').decode().split('\r\n') if ':' in line)
        return float(fields['used_cpu_user']) + float(fields['used_cpu_sys'])


ORDER = json.dumps({'orderId': 'order-1-0', 'round': 1, 'seq': 0, 'sentAtNanos': 1234567890123,
                    'customerId': 'customer-0', 'currency': 'EUR',
                    'lines': [{'sku': 'SKU-007919', 'quantity': 2, 'unitPriceCents': 236}]}, separators=(',', ':'))
INVOICE = ('{"orderId":"order-1-0","round":1,"seq":0,"customerId":"customer-0","currency":"EUR",'
           '"lineCount":1,"totalCents":472}')
IN, OUT, TOTALS, GROUP, CONSUMER = 'micro:in', '{micro:in}:out', '{micro:in}:totals', 'g', 'c'
FIELDS = ('payload', INVOICE, 'contentType', 'application/json')


def pending_entries(redis, count):
    """A fresh input stream whose group has `count` entries pending with the consumer."""
    redis.call('DEL', IN, OUT, TOTALS)
    redis.call('XGROUP', 'CREATE', IN, GROUP, '0', 'MKSTREAM')
    redis.sock.sendall(b''.join(redis.encode('XADD', IN, '*', 'payload', ORDER, 'contentType', 'application/json')
                                for _ in range(count)))
    for _ in range(count):
        redis.read()
    read = redis.call('XREADGROUP', 'GROUP', GROUP, CONSUMER, 'COUNT', count, 'STREAMS', IN, '>')
    return [entry[0] for entry in read[0][1]]


def flush(redis, kind, sha, ids):
    if kind == 'A':
        for _ in ids:
            redis.send('XADD', OUT, '*', *FIELDS)
        redis.send('XACK', IN, GROUP, *ids)
        for _ in range(len(ids) + 1):
            redis.read()
        return
    keys = [IN, OUT] + ([TOTALS] if kind == 'C' else [])
    argv = [GROUP, CONSUMER, 0, len(ids)]
    for n, entry in enumerate(ids):
        argv += [1, entry, 0]
        if kind == 'C':
            # the handler's HINCRBY is staged while it runs, the Function's output when it returns
            argv += [2, 'HINCRBY', 3, 2, 'bucket-%d' % (n % 16), 472]
        else:
            argv += [1]
        argv += ['XADD', 2, 1 + len(FIELDS), '*', *FIELDS]
    results = redis.call('EVALSHA', sha, len(keys), *keys, *argv)
    if any(result != b'1' for result in results):
        raise RuntimeError('a step was not applied: ' + repr(results[:3]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=6379)
    parser.add_argument('--batches', type=int, default=200, help='flushes of 100 entries per measurement')
    parser.add_argument('--reps', type=int, default=15, help='measurements of each variant')
    parser.add_argument('--variants', default='A,B,B:nofence,B:noexists,B:oneack,B:bare,C,C:noundo,C:bare')
    options = parser.parse_args()
    redis = Redis(options.host, options.port)
    scripts = {name: redis.call('SCRIPT', 'LOAD', text).decode()
               for name, text in variants(SCRIPT.read_text()).items()}
    chosen = options.variants.split(',')
    measured = {variant: [] for variant in chosen}
    for _ in range(options.reps):
        for variant in chosen:
            kind, _, script = variant.partition(':')
            ids = pending_entries(redis, options.batches * 100)
            before = redis.cpu_seconds()
            for first in range(0, len(ids), 100):
                flush(redis, kind, scripts[script or 'full'], ids[first:first + 100])
            used = redis.cpu_seconds() - before
            if int(redis.call('XPENDING', IN, GROUP)[0]) != 0:
                raise RuntimeError(variant + ' left entries pending')
            measured[variant].append(used * 1e6 / len(ids))
    redis.call('DEL', IN, OUT, TOTALS)
    for variant, values in measured.items():
        ordered = sorted(values)
        print('%-12s median %6.2f  min %6.2f us of Redis CPU per entry' % (variant, ordered[len(ordered) // 2],
                                                                          ordered[0]))


if __name__ == '__main__':
    main()
