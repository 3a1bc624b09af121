#!/usr/bin/env python3
"""tests/tlsclient.py: a TLS client for sockbridge-tls's tests, on
MemoryBIOs so that each end of the connection is under control.

  tlsclient.py PORT [options]

Connects to 127.0.0.1:PORT, does the handshake (--sni, --ca or --no-verify,
--cert/--key, --alpn, --max-version), sends stdin (or --bytes N of a fixed
pattern, read while receiving), then ends its side as --end says:
  notify   close_notify, then a TCP shutdown of writing (a half-close)
  tcp      a TCP shutdown of writing without close_notify (truncation)
  none     nothing: keeps its side open until the server ends
  abort    a reset, at once
and reads until the server's close_notify, EOF or reset (then, with
--hold SECONDS, keeps the socket open that long before closing it).  What it got goes
to stdout (or, with --bytes, its SHA-256 and length); one line to stderr:
  end=close_notify|eof|reset alpn=... sent_sha256=... (with --bytes)
Exit 0 when the handshake succeeded, 2 when it failed (the alert's reason on
stderr), 3 when the connection failed.
"""
import argparse
import hashlib
import select
import socket
import ssl
import sys
import time

CHUNK = 16384
RAW = None
GOT = [0]


def record(data):
    if RAW is not None and data:
        RAW.write(data)
        RAW.flush()


def pattern_block():
    h = hashlib.sha256(b"sockbridge-tls").digest()
    return (h * ((1 << 20) // len(h)))[: 1 << 20]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--sni")
    ap.add_argument("--ca")
    ap.add_argument("--no-verify", action="store_true")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--alpn")
    ap.add_argument("--max-version", choices=["1.2", "1.3"])
    ap.add_argument("--end", default="notify",
                    choices=["notify", "tcp", "none", "abort"])
    ap.add_argument("--bytes", type=int)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--raw", help="a file for every byte received, as is")
    ap.add_argument("--hold", type=float, default=0,
                    help="seconds to keep the socket open after the end")
    a = ap.parse_args()
    global RAW
    if a.raw:
        RAW = open(a.raw, "wb")

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if a.no_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx.load_verify_locations(a.ca)
        ctx.check_hostname = a.sni is not None
    if a.cert:
        ctx.load_cert_chain(a.cert, a.key)
    if a.alpn:
        ctx.set_alpn_protocols(a.alpn.split(","))
    if a.max_version == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2

    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_side=False, server_hostname=a.sni)
    try:
        sock = socket.create_connection((a.host, a.port), timeout=a.timeout)
    except OSError as e:
        print("connect: %s" % e, file=sys.stderr)
        return 3
    sock.settimeout(a.timeout)

    def flush():
        data = out.read()
        if data:
            sock.sendall(data)

    def fill():
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            return None
        record(data)
        if data:
            inc.write(data)
        else:
            inc.write_eof()
        return data

    while True:
        try:
            obj.do_handshake()
            flush()
            break
        except ssl.SSLWantReadError:
            flush()
            if fill() in (None, b""):
                print("handshake: connection closed", file=sys.stderr)
                return 2
        except ssl.SSLError as e:
            try:
                flush()
            except OSError:
                pass
            print("handshake: %s %s" % (e.reason, e), file=sys.stderr)
            return 2
        except OSError as e:
            print("handshake: %s" % e, file=sys.stderr)
            return 2

    if a.bytes is None:
        to_send = sys.stdin.buffer.read()
        total = len(to_send)
    else:
        block = pattern_block()
        total = a.bytes
    sent = 0
    sent_hash = hashlib.sha256()
    got = bytearray() if a.bytes is None else None
    got_hash, got_len = hashlib.sha256(), 0
    ended = shut = False
    end = None
    pending = bytearray()
    sock.setblocking(False)
    while end is None:
        if sent < total and len(pending) < 4 * CHUNK:
            n = min(CHUNK, total - sent)
            if a.bytes is None:
                piece = to_send[sent:sent + n]
            else:
                off = sent % len(block)
                piece = block[off:off + n]
            obj.write(piece)
            sent_hash.update(piece)
            sent += len(piece)
        if sent >= total and not ended:
            ended = True
            if a.end == "notify":
                try:
                    obj.unwrap()
                except ssl.SSLError:
                    pass
            elif a.end == "abort":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                b"\x01\x00\x00\x00\x00\x00\x00\x00")
                sock.close()
                print("end=abort", file=sys.stderr)
                return 0
        pending += out.read()
        if ended and not pending and not shut and a.end in ("notify", "tcp"):
            sock.shutdown(socket.SHUT_WR)
            shut = True
        busy = pending or sent < total
        r, w, _ = select.select([sock], [sock] if busy else [], [],
                                a.timeout)
        if not r and not w:
            print("timeout", file=sys.stderr)
            return 3
        if w and pending:
            try:
                n = sock.send(pending)
                del pending[:n]
            except BlockingIOError:
                pass
            except (BrokenPipeError, ConnectionResetError):
                end = "reset"
        if r and end is None:
            res = read_some(sock, inc, obj, got, got_hash)
            if isinstance(res, str):
                end = res
    if a.hold:
        time.sleep(a.hold)
    line = "end=%s" % end
    line += " alpn=%s" % (obj.selected_alpn_protocol() or "-")
    line += " version=%s" % obj.version()
    if a.bytes is not None:
        line += " sent_sha256=%s sent=%d" % (sent_hash.hexdigest(), sent)
        sys.stdout.write("%s %d\n" % (got_hash.hexdigest(), GOT[0]))
    else:
        sys.stdout.buffer.write(bytes(got))
    sys.stdout.flush()
    print(line, file=sys.stderr)
    return 0


def read_some(sock, inc, obj, got, got_hash):
    """Read from the socket into the TLS object; the plaintext length, or
    the end: close_notify, eof (no close_notify), reset."""
    try:
        data = sock.recv(65536)
    except BlockingIOError:
        return 0
    except ConnectionResetError:
        return "reset"
    record(data)
    if data:
        inc.write(data)
    else:
        inc.write_eof()
    n = 0
    while True:
        try:
            piece = obj.read(65536)
        except ssl.SSLWantReadError:
            break
        except ssl.SSLZeroReturnError:
            return "close_notify"
        except ssl.SSLEOFError:
            return "eof"
        except ssl.SSLError as e:
            return "error:%s" % e.reason
        if not piece:
            return "close_notify"
        if got is not None:
            got += piece
        got_hash.update(piece)
        GOT[0] += len(piece)
        n += len(piece)
    if not data:
        return "eof"
    return n


if __name__ == "__main__":
    sys.exit(main())
