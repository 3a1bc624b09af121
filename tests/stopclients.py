#!/usr/bin/env python3
"""stopclients.py: the clients of the stop and restart tests.

Each client connects, sends one line ("hello N"), and reads until end of
file or an error; what it got is classified:

  served   the reply named in --expect, then end of file
  line     another line (the refusal line, say), then end of file
  eof      end of file and nothing else
  reset    ECONNRESET (or EPIPE) at any point: the failure these tests hunt
  refused  connect() refused (nothing listened: no handshake completed)
  error    anything else (a timeout, above all)

queue ADDRESS N READY: N clients connect one after the other (each handshake
  completes before the next), send their line and wait; READY is written
  once all are connected.  Then all read, and one line per client goes to
  stdout: "INDEX KIND REPLY".
load ADDRESS THREADS TOTAL: TOTAL clients, THREADS at a time; the counts of
  each kind go to stdout as "served=N line=N eof=N reset=N refused=N
  error=N", and the running count of clients done to PROGRESS (--progress).
  With --stop-pid PID, that process gets SIGTERM as client --stop-after
  (default: half of TOTAL) is about to connect.

ADDRESS is HOST:PORT, [V6]:PORT, a unix socket path (with a /), or @NAME
for an abstract one.
"""
import argparse
import errno
import os
import signal
import socket
import sys
import threading


def connect(address, timeout):
    if address.startswith('@') or '/' in address:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect('\0' + address[1:] if address.startswith('@')
                  else address)
        return s
    host, port = address.rsplit(':', 1)
    s = socket.create_connection((host.strip('[]'), int(port)), timeout)
    return s


def read_all(s):
    """Reads until end of file: ('eof', data) or ('reset', data)."""
    data = b''
    try:
        while True:
            got = s.recv(65536)
            if not got:
                return 'eof', data
            data += got
    except (ConnectionResetError, BrokenPipeError):
        return 'reset', data
    except socket.timeout:
        return 'error', data


def kind_of(end, data, expect):
    if end != 'eof':
        return end
    if data == b'':
        return 'eof'
    if expect is not None and data.decode(errors='replace').startswith(
            expect):
        return 'served'
    return 'line'


def one_client(address, n, timeout, expect):
    try:
        s = connect(address, timeout)
    except ConnectionRefusedError:
        return 'refused', b''
    except OSError as e:
        return ('reset' if e.errno == errno.ECONNRESET else 'error'), b''
    try:
        s.sendall(b'hello %d\n' % n)
        end, data = read_all(s)
    except (ConnectionResetError, BrokenPipeError):
        end, data = 'reset', b''
    except OSError:
        end, data = 'error', b''
    finally:
        s.close()
    return kind_of(end, data, expect), data


def queue(args):
    socks = []
    for n in range(args.n):
        s = connect(args.address, args.timeout)
        s.sendall(b'hello %d\n' % n)
        socks.append(s)
    with open(args.ready, 'w') as f:
        f.write('connected %d\n' % args.n)
    results = [None] * args.n

    def reader(i, s):
        end, data = read_all(s)
        results[i] = (kind_of(end, data, args.expect), data)
        s.close()

    threads = [threading.Thread(target=reader, args=(i, s))
               for i, s in enumerate(socks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, (kind, data) in enumerate(results):
        print(i, kind, repr(data.decode(errors='replace')))


def load(args):
    counts = dict.fromkeys(
        ['served', 'line', 'eof', 'reset', 'refused', 'error'], 0)
    lock = threading.Lock()
    next_client = [0]

    def worker():
        while True:
            with lock:
                n = next_client[0]
                if n >= args.total:
                    return
                next_client[0] += 1
                if args.stop_pid and n == args.stop_after:
                    os.kill(args.stop_pid, signal.SIGTERM)
            kind, _ = one_client(args.address, n, args.timeout, args.expect)
            with lock:
                counts[kind] += 1
                done = sum(counts.values())
                if args.progress and done % 10 == 0:
                    with open(args.progress, 'w') as f:
                        f.write('%d\n' % done)

    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(' '.join('%s=%d' % kv for kv in counts.items()))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--timeout', type=float, default=30)
    p.add_argument('--expect', default=None)
    p.add_argument('--progress', default=None)
    sub = p.add_subparsers(dest='mode', required=True)
    q = sub.add_parser('queue')
    q.add_argument('address')
    q.add_argument('n', type=int)
    q.add_argument('ready')
    lo = sub.add_parser('load')
    lo.add_argument('address')
    lo.add_argument('threads', type=int)
    lo.add_argument('total', type=int)
    lo.add_argument('--stop-pid', type=int, default=0)
    lo.add_argument('--stop-after', type=int, default=None)
    args = p.parse_args()
    if args.mode == 'load' and args.stop_after is None:
        args.stop_after = args.total // 2
    queue(args) if args.mode == 'queue' else load(args)


if __name__ == '__main__':
    sys.exit(main())
