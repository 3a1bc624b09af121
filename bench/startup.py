#!/usr/bin/env python3
# bench/startup.py: start-up cost of a server, for bench/bench.sh.
#
#   startup.py listen  ROUNDS SERVER [ARG...]
#       SERVER binds 127.0.0.1 port 0 by itself and prints its address or
#       port on stdout once it listens (sockbridge --print-address,
#       tcpserver -1).  Per round: from just before the fork-exec to that
#       line (listen_us), then one client connected at once, to its reply
#       (first_us: exec to the first client served).
#   startup.py inherit ROUNDS SERVER [ARG...]
#       SERVER gets a listening socket on fd 3 (LISTEN_FDS=1, LISTEN_PID),
#       as systemd Accept=no hands it over, with a client already waiting
#       and its line sent: from just before the fork-exec to the reply
#       (first_us: exec to the first accept, served).
#   startup.py nowait  ROUNDS HANDLER
#       The floor of "inherit": the connection accepted here and HANDLER
#       run on it directly (inetd nowait, systemd Accept=yes).
#
# Prints one line, the medians over the rounds in microseconds:
#   listen_us=N first_us=N rounds=N
# (listen_us only for "listen").  Every reply must be "I got your message:
# hello"; exit 1 otherwise.  Loopback only; each round is bounded (5 s).
import os
import signal
import socket
import statistics
import sys
import time

MESSAGE = b"hello\n"
REPLY = b"I got your message: hello"
LIMIT = 5.0


def reply_of(sock):
    sock.settimeout(LIMIT)
    data = b""
    while b"\n" not in data:
        chunk = sock.recv(256)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0]


def stop(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


def listen_round(argv):
    rfd, wfd = os.pipe()
    t0 = time.perf_counter_ns()
    pid = os.fork()
    if pid == 0:
        os.dup2(wfd, 1)
        os.close(rfd)
        os.close(wfd)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 2)
        os.execv(argv[0], argv)
    os.close(wfd)
    try:
        line = b""
        with os.fdopen(rfd, "rb", buffering=0) as out:
            while not line.endswith(b"\n"):
                c = out.read(1)
                if not c:
                    raise RuntimeError("no address printed")
                line += c
            t1 = time.perf_counter_ns()
            port = int(line.strip().rsplit(b":", 1)[-1])
            with socket.create_connection(("127.0.0.1", port), LIMIT) as c:
                c.sendall(MESSAGE)
                got = reply_of(c)
            t2 = time.perf_counter_ns()
    finally:
        stop(pid)
    if got != REPLY:
        raise RuntimeError("reply %r" % got)
    return (t1 - t0) // 1000, (t2 - t0) // 1000


def waiting_client():
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    c = socket.create_connection(ls.getsockname(), LIMIT)
    c.sendall(MESSAGE)
    return ls, c


def inherit_round(argv):
    ls, c = waiting_client()
    t0 = time.perf_counter_ns()
    pid = os.fork()
    if pid == 0:
        if ls.fileno() != 3:
            os.dup2(ls.fileno(), 3)
        os.set_inheritable(3, True)     # dup2(3, 3) keeps close-on-exec
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        env = dict(os.environ, LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
        os.closerange(4, 1024)
        os.execve(argv[0], argv, env)
    try:
        got = reply_of(c)
        t1 = time.perf_counter_ns()
    finally:
        c.close()
        ls.close()
        stop(pid)
    if got != REPLY:
        raise RuntimeError("reply %r" % got)
    return None, (t1 - t0) // 1000


def nowait_round(argv):
    ls, c = waiting_client()
    ls.settimeout(LIMIT)
    t0 = time.perf_counter_ns()
    conn, _ = ls.accept()
    pid = os.fork()
    if pid == 0:
        os.dup2(conn.fileno(), 0)
        os.dup2(conn.fileno(), 1)
        os.closerange(3, 1024)
        os.execv(argv[0], argv)
    conn.close()
    try:
        got = reply_of(c)
        t1 = time.perf_counter_ns()
    finally:
        c.close()
        ls.close()
        stop(pid)
    if got != REPLY:
        raise RuntimeError("reply %r" % got)
    return None, (t1 - t0) // 1000


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: startup.py listen|inherit|nowait ROUNDS "
                 "PROGRAM [ARG...]")
    mode, rounds, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    run = {"listen": listen_round, "inherit": inherit_round,
           "nowait": nowait_round}[mode]
    listens, firsts = [], []
    signal.signal(signal.SIGALRM, lambda *a: sys.exit("startup: timed out"))
    for _ in range(rounds):
        signal.alarm(int(LIMIT) * 2)
        try:
            listen_us, first_us = run(argv)
        except (OSError, RuntimeError, ValueError) as e:
            print("startup: %s: %s" % (argv[0], e), file=sys.stderr)
            sys.exit(1)
        signal.alarm(0)
        if listen_us is not None:
            listens.append(listen_us)
        firsts.append(first_us)
    out = []
    if listens:
        out.append("listen_us=%d" % statistics.median(listens))
    out.append("first_us=%d" % statistics.median(firsts))
    out.append("rounds=%d" % rounds)
    print(" ".join(out))


if __name__ == "__main__":
    main()
