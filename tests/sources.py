#!/usr/bin/env python3
"""sources.py: clients from chosen source addresses, for the access and
rate tests (nc -s and socat bind= make one connection per process; a flood
of thousands of distinct sources needs something faster).

usage: sources.py [-n COUNT] [-i SECONDS] [-d SECONDS] [-t THREADS]
                  [-m MESSAGE] [-T SECONDS] [--distinct]
                  [--then COUNT:SECONDS ...] HOST PORT SOURCE

Makes COUNT connections (default 1) to HOST:PORT, each bound to SOURCE
(port 0) or, with --distinct, to SOURCE, SOURCE+1, ... (IPv4: the next
address; IPv6: the next /64, the same interface identifier), one a
connection.  -i: at least SECONDS between the starts of connections of a
thread; -d: stop starting connections after SECONDS (then COUNT is a
bound).  THREADS (default 1) share the COUNT connections.  Each connection
sends MESSAGE and a newline (default: nothing) without closing its sending
side, reads until end of file (at most -T SECONDS, default 10, a fail-safe
multiplied by TEST_TIMEOUT_SCALE from the environment) and prints
one line: the first line it got, "-" for nothing, or "error: WHY".  The
lines of one thread keep their order; threads print whole lines.  Each
--then makes COUNT more connections once the ones before are done, each
starting SECONDS after the one before it (the first too), without the
pause a new process would take to start; the sources, --distinct or not,
go on from where they were.
Exit 0, or 2 on bad usage.
"""

import argparse
import ipaddress
import os
import socket
import sys
import threading
import time


def timeout_scale():
    """TEST_TIMEOUT_SCALE, a whole number (default 1), as tests/lib.sh
    takes it."""
    s = os.environ.get("TEST_TIMEOUT_SCALE", "")
    return int(s) if s.isdigit() and int(s) > 0 else 1


def source_of(base, i, distinct):
    if not distinct:
        return str(base)
    if base.version == 4:
        return str(base + i)
    return str(base + (i << 64))


def one(host, port, src, message, timeout):
    family = socket.AF_INET6 if ":" in src else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((src, 0))
        s.connect((host, port))
        if message is not None:
            s.sendall(message.encode() + b"\n")
        got = b""
        deadline = time.monotonic() + timeout
        while True:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        line = got.split(b"\n", 1)[0].decode(errors="replace")
        return line if got else "-"
    except OSError as e:
        return "error: %s" % (e.strerror or e)
    finally:
        s.close()


def main():
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("-n", type=int, default=1)
    p.add_argument("-i", type=float, default=0.0)
    p.add_argument("-d", type=float, default=0.0)
    p.add_argument("-t", type=int, default=1)
    p.add_argument("-m", default=None)
    p.add_argument("-T", type=float, default=10.0)
    p.add_argument("--distinct", action="store_true")
    p.add_argument("--then", action="append", default=[])
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("source")
    try:
        a = p.parse_args()
        base = ipaddress.ip_address(a.source)
    except (SystemExit, ValueError):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)

    try:
        phases = [(a.n, a.i, a.d)] + [
            (int(c), float(i), 0.0)
            for c, i in (t.split(":") for t in a.then)]
    except ValueError:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    lock = threading.Lock()
    lasts = [None] * max(1, a.t)
    first = 0
    for count, interval, duration in phases:
        run(a, base, lock, iter(range(first, first + count)), interval,
            time.monotonic() + duration if duration > 0 else None, lasts)
        first += count


def run(a, base, lock, counter, interval, end, lasts):
    """One phase; lasts[k]: when thread k last started a connection."""
    def worker(k):
        while True:
            with lock:
                i = next(counter, None)
            if i is None or (end is not None and time.monotonic() >= end):
                return
            if lasts[k] is not None:
                rest = lasts[k] + interval - time.monotonic()
                if rest > 0:
                    time.sleep(rest)
            lasts[k] = time.monotonic()
            line = one(a.host, a.port, source_of(base, i, a.distinct),
                       a.m, a.T * timeout_scale())
            with lock:
                sys.stdout.write(line + "\n")
                sys.stdout.flush()

    threads = [threading.Thread(target=worker, args=(k,))
               for k in range(len(lasts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
