"""lingerclient.py: the clients of tests/linger.test.

usage: lingerclient.py run PORT N       N connections, one after the other
       lingerclient.py hold PORT FILE   one, kept open until FILE exists
       lingerclient.py flood PORT       one, sending for ever after EOF

Each connection sends "line 1", then "line 2" in a segment of its own,
then reads until end-of-file or an error.  The handler (linger.test)
answers the first line once the second has come, without reading it.
run prints one line: eof=N reset=N other=N (eof: the reply, then a clean
end-of-file; reset: an error such as ECONNRESET, whatever came before).
hold prints "EOF" or "RESET" and the reply, then waits for FILE before it
closes.  flood prints how long, after end-of-file, it could send before
the bridge closed the connection: "closed ms=N".
"""
import os
import socket
import sys
import time

LIMIT = 30 * int(os.environ.get("TEST_TIMEOUT_SCALE", "1") or "1")
REPLY = b"reply: line 1\n"


def connection(port):
    """Send both lines; read until EOF or an error: (what, data, socket)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=LIMIT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(b"line 1\n")
    s.sendall(b"line 2\n")
    data = b""
    try:
        while True:
            got = s.recv(65536)
            if not got:
                return "EOF", data, s
            data += got
    except (ConnectionResetError, BrokenPipeError):
        return "RESET", data, s


def run(port, n):
    count = {"eof": 0, "reset": 0, "other": 0}
    for _ in range(n):
        try:
            what, data, s = connection(port)
            s.close()
        except OSError as e:
            print("error: %s" % e, file=sys.stderr)
            what, data = "OTHER", b""
        if what == "EOF" and data == REPLY:
            count["eof"] += 1
        elif what == "RESET":
            count["reset"] += 1
        else:
            count["other"] += 1
            print("unexpected: %s %r" % (what, data), file=sys.stderr)
    print("eof=%d reset=%d other=%d" % (count["eof"], count["reset"],
                                         count["other"]))


def hold(port, path):
    what, data, s = connection(port)
    print(what, data.decode().strip(), flush=True)
    end = time.monotonic() + LIMIT
    while not os.path.exists(path) and time.monotonic() < end:
        time.sleep(0.02)
    s.close()


def flood(port):
    what, data, s = connection(port)
    if what != "EOF":
        print(what, flush=True)
        return
    start = time.monotonic()
    chunk = b"x" * 65536
    try:
        while time.monotonic() < start + LIMIT:
            s.send(chunk)
    except OSError:
        pass
    print("closed ms=%d" % ((time.monotonic() - start) * 1000), flush=True)


if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "run":
        run(port, int(sys.argv[3]))
    elif mode == "hold":
        hold(port, sys.argv[3])
    else:
        flood(port)
