# tests/proxylib.sh: what the PROXY protocol tests share (sourced after
# lib.sh by proxy.test, proxy-refuse.test and balance.test).
#   psend ARG...   tests/proxysend.py (a raw sender, see there), bounded
#   $H             a handler that prints one line of what it was told
#                  about the client, one of the TLV variables ("none" for
#                  a variable not set), then echoes what the client sent
#                  until its end of file
#   $V4, $V6       the first line of $H for the client v1() / v2() name
#                  (192.0.2.1:4242 to 192.0.2.2:34567, or IPv6), before
#                  its " via=BALANCER:PORT"
#   $NOTLV         the second line of $H for a header without TLVs
#   $PAYLOAD       a Python bytes literal a client sends after a header
#                  (with a PROXY line inside, to be taken as data), and
#                  $WANT_PAYLOAD what the handler must echo for it (no NUL
#                  in it: the shell's $(...) would drop it)

SEND=${srcdir:-.}/tests/proxysend.py

psend() {
	timeout "$(scaled 20)" python3 -S "$SEND" "$@"
}

cat >"$T/h.sh" <<'EOF'
#!/bin/sh
echo "proto=${PROTO-} remote=${TCPREMOTEIP-}:${TCPREMOTEPORT-}" \
    "local=${TCPLOCALIP-}:${TCPLOCALPORT-}" \
    "addr=${REMOTE_ADDR-}:${REMOTE_PORT-}" \
    "via=${PROXYREMOTEIP-none}:${PROXYREMOTEPORT-none}"
echo "sni=${SSL_TLS_SNI_SERVERNAME-none} alpn=${PROXY_ALPN-none}" \
    "id=${PROXY_UNIQUE_ID-none} ssl=${SSL_PROTOCOL-none}" \
    "cn=${SSL_PEER_CERT_CN-none} cipher=${SSL_CIPHER-none}"
exec cat
EOF
chmod +x "$T/h.sh" || exit 99
H=$T/h.sh
NOTLV='sni=none alpn=none id=none ssl=none cn=none cipher=none'
V4='proto=TCP remote=192.0.2.1:4242 local=192.0.2.2:34567 addr=192.0.2.1:4242'
V6='proto=TCP6 remote=2001:db8::1:4242 local=2001:db8::2:34567 addr=2001:db8::1:4242'
PAYLOAD='b"hello\r\nPROXY TCP4 10.9.9.9 10.9.9.8 1 2\r\n\x01\xffend\n"'
WANT_PAYLOAD=$(printf 'hello\r\nPROXY TCP4 10.9.9.9 10.9.9.8 1 2\r\n\001\377end')
