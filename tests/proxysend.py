#!/usr/bin/env python3
# proxysend.py: a raw PROXY protocol sender for the tests, to send what
# no balancer would: headers byte by byte, cut short, too long, wrong, or
# with the client's first bytes in the same segment.
#
# usage: proxysend.py [-s SOURCE] [-T SECONDS] HOST PORT STEP...
#
# Connects to HOST:PORT (from address SOURCE if given; TCP_NODELAY on, so
# that each send leaves as one segment) and does each STEP in turn:
#
#   send:EXPR          send the bytes EXPR makes, in one send()
#   trickle:MS:EXPR    send them one byte at a time, MS ms apart
#   split:N:MS:EXPR    send the first N bytes, wait MS ms, send the rest
#   sleep:MS           wait
#   quiet:MS           nothing may arrive for MS ms: else "early:" and
#                      what came on stderr, exit 3
#   shut               shut down the sending side (end of file)
#   read               read until end of file, write it to stdout; a
#                      reset instead of an end of file: exit 4
#   line               read one line (up to LF), write it to stdout
#   time               write "ms=N" (since the connection) to stderr
#   reset              close at once with a reset (SO_LINGER 0); the end
#
# The connection is closed after the last step.  -T bounds every wait
# (default 10 seconds): a read or line not done by then exits 5.  It is a
# fail-safe, multiplied by TEST_TIMEOUT_SCALE from the environment.
#
# EXPR is a Python expression whose value is bytes, with these helpers:
#   v1(proto="TCP4", src=, dst=, sport=, dport=)  a v1 line;
#       v1("UNKNOWN") the short form, v1("UNKNOWN", tail=" ...") a long one
#   v2(cmd="proxy"|"local"|N, fam="tcp4"|"tcp6"|"unspec"|"udp4"|"unix"|N,
#      src=, dst=, sport=, dport=, tlvs=[BYTES...], crc=False, ver=2,
#      length=None (override the length field), addr=None (raw address
#      block))  a v2 header; crc=True appends a CRC32C TLV, "bad" a wrong one
#   tlv(type, value)   one TLV (value bytes or str)
#   ssl(client, verify, subs=[BYTES...])  the value of an SSL TLV
#   crc32c(data)       the CRC32C of data
# Exit 0 when every step worked, 1 when the connection could not be made.
import os
import socket
import struct
import sys
import time

V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"
FAMILIES = {"unspec": 0x00, "tcp4": 0x11, "udp4": 0x12, "tcp6": 0x21,
            "udp6": 0x22, "unix": 0x31, "unixdgram": 0x32}


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def _bytes(v):
    return v.encode() if isinstance(v, str) else bytes(v)


def tlv(t, value):
    value = _bytes(value)
    return struct.pack("!BH", t, len(value)) + value


def ssl(client, verify, subs=()):
    return struct.pack("!BI", client, verify) + b"".join(subs)


def v1(proto="TCP4", src=None, dst=None, sport=4242, dport=34567, tail=""):
    if proto == "UNKNOWN":
        return ("PROXY UNKNOWN" + tail + "\r\n").encode()
    if src is None:
        src = "192.0.2.1" if proto == "TCP4" else "2001:db8::1"
    if dst is None:
        dst = "192.0.2.2" if proto == "TCP4" else "2001:db8::2"
    return ("PROXY %s %s %s %d %d\r\n" % (proto, src, dst, sport,
                                          dport)).encode()


def v2(cmd="proxy", fam="tcp4", src=None, dst=None, sport=4242,
       dport=34567, tlvs=(), crc=False, ver=2, length=None, addr=None):
    c = {"local": 0, "proxy": 1}.get(cmd, cmd)
    f = FAMILIES.get(fam, fam)
    if addr is None:
        if f in (0x11, 0x12):
            addr = (socket.inet_pton(socket.AF_INET, src or "192.0.2.1") +
                    socket.inet_pton(socket.AF_INET, dst or "192.0.2.2") +
                    struct.pack("!HH", sport, dport))
        elif f in (0x21, 0x22):
            addr = (socket.inet_pton(socket.AF_INET6, src or "2001:db8::1") +
                    socket.inet_pton(socket.AF_INET6, dst or "2001:db8::2") +
                    struct.pack("!HH", sport, dport))
        elif f in (0x31, 0x32):
            addr = (_bytes(src or "/client").ljust(108, b"\0") +
                    _bytes(dst or "/server").ljust(108, b"\0"))
        else:
            addr = b""
    body = addr + b"".join(tlvs)
    if crc:
        body += tlv(0x03, b"\0\0\0\0")
    n = len(body) if length is None else length
    head = V2_SIG + bytes([ver << 4 | c, f]) + struct.pack("!H", n)
    if crc:
        value = crc32c(head + body)
        if crc == "bad":
            value ^= 1
        body = body[:-4] + struct.pack("!I", value)
    return head + body


HELPERS = {"v1": v1, "v2": v2, "tlv": tlv, "ssl": ssl, "crc32c": crc32c}


def timeout_scale():
    """TEST_TIMEOUT_SCALE, a whole number (default 1), as tests/lib.sh
    takes it."""
    s = os.environ.get("TEST_TIMEOUT_SCALE", "")
    return int(s) if s.isdigit() and int(s) > 0 else 1


def usage():
    sys.stderr.write("usage: proxysend.py [-s SOURCE] [-T SECONDS] "
                     "HOST PORT STEP...\n")
    sys.exit(2)


def main(argv):
    source, limit = None, 10.0
    while argv and argv[0] in ("-s", "-T"):
        if len(argv) < 2:
            usage()
        if argv[0] == "-s":
            source = argv[1]
        else:
            limit = float(argv[1])
        argv = argv[2:]
    if len(argv) < 2:
        usage()
    limit *= timeout_scale()
    host, port, steps = argv[0], int(argv[1]), argv[2:]
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(limit)
    try:
        if source is not None:
            s.bind((source, 0))
        s.connect((host, port))
    except OSError as e:
        sys.stderr.write("proxysend: connect %s:%d: %s\n" % (host, port, e))
        return 1
    start = time.monotonic()
    for step in steps:
        try:
            rc = do_step(s, step, start, limit)
        except (BrokenPipeError, ConnectionResetError) as e:
            sys.stderr.write("proxysend: %s: %s\n" % (step.partition(":")[0],
                                                       e))
            return 6
        if rc is not None:
            return rc
    s.close()
    return 0


def do_step(s, step, start, limit):
    """One STEP; None to go on, or the exit status."""
    out = sys.stdout.buffer
    kind, _, arg = step.partition(":")
    if kind == "send":
        s.sendall(eval(arg, HELPERS))
    elif kind == "trickle":
        ms, _, expr = arg.partition(":")
        for b in eval(expr, HELPERS):
            s.sendall(bytes([b]))
            time.sleep(int(ms) / 1000)
    elif kind == "split":
        n, _, rest = arg.partition(":")
        ms, _, expr = rest.partition(":")
        data = eval(expr, HELPERS)
        s.sendall(data[:int(n)])
        time.sleep(int(ms) / 1000)
        s.sendall(data[int(n):])
    elif kind == "sleep":
        time.sleep(int(arg) / 1000)
    elif kind == "quiet":
        s.settimeout(int(arg) / 1000)
        try:
            early = s.recv(4096, socket.MSG_PEEK)
        except socket.timeout:
            early = None
        except ConnectionResetError:
            early = b"(reset)"
        s.settimeout(limit)
        if early is not None:
            sys.stderr.write("early:%r\n" % early)
            return 3
    elif kind == "shut":
        s.shutdown(socket.SHUT_WR)
    elif kind in ("read", "line"):
        try:
            while True:
                d = s.recv(1 if kind == "line" else 65536)
                if not d:
                    break
                out.write(d)
                if kind == "line" and d == b"\n":
                    break
        except socket.timeout:
            out.flush()
            sys.stderr.write("proxysend: no end of file in %gs\n" %
                             limit)
            return 5
        except ConnectionResetError:
            out.flush()
            sys.stderr.write("proxysend: connection reset\n")
            return 4
        out.flush()
    elif kind == "time":
        sys.stderr.write("ms=%d\n" % ((time.monotonic() - start) * 1000))
    elif kind == "reset":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        s.close()
        return 0
    else:
        usage()
    return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
