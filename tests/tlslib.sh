# tests/tlslib.sh: what the sockbridge-tls tests share, sourced after
# lib.sh.  Certificates are made at test time in $T, by openssl req.
#
# SOCKBRIDGE_TLS is the program in the build tree; the tests skip without it
# (configure --without-tls) or without the openssl command.

: "${SOCKBRIDGE_TLS:=${SOCKBRIDGE%/*}/sockbridge-tls}"
[ -x "$SOCKBRIDGE_TLS" ] || skip "sockbridge-tls is not built (--without-tls)"
require openssl python3
TLSCLIENT="python3 ${srcdir:-.}/tests/tlsclient.py"
TLS_PAUSE=${TLS_PAUSE:-}

# make_ca NAME: a private CA, $T/NAME.crt and $T/NAME.key.
make_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$T/$1.key" -out "$T/$1.crt" -days 2 \
	    -subj "/CN=$1 CA" -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

# make_cert CA NAME KIND SUBJECT [SAN]: a certificate signed by CA, kind ec
# or rsa, in $T/NAME.crt (leaf then CA: a chain) and $T/NAME.key; its
# serial is random, or $SERIAL when set (0x...).
make_cert() {
	local ca=$1 name=$2 kind=$3 subj=$4 san=${5:-} opt serial
	case $kind in
	ec) opt="-newkey ec -pkeyopt ec_paramgen_curve:P-256" ;;
	rsa) opt="-newkey rsa:2048" ;;
	esac
	# shellcheck disable=SC2086
	openssl req $opt -nodes -keyout "$T/$name.key" -out "$T/$name.csr" \
	    -subj "$subj" 2>/dev/null || return 1
	{
		echo "basicConstraints=CA:FALSE"
		[ -n "$san" ] && echo "subjectAltName=$san"
	} >"$T/$name.ext"
	serial=-CAcreateserial
	[ -n "${SERIAL:-}" ] && serial="-set_serial $SERIAL"
	# shellcheck disable=SC2086
	openssl x509 -req -in "$T/$name.csr" -CA "$T/$ca.crt" \
	    -CAkey "$T/$ca.key" $serial -days 2 \
	    -extfile "$T/$name.ext" -out "$T/$name.leaf" 2>/dev/null || return 1
	cat "$T/$name.leaf" "$T/$ca.crt" >"$T/$name.crt"
}

# tls_bridge NAME TLS-ARGS... -- HANDLER...: a bridge on 127.0.0.1:0 running
# sockbridge-tls with TLS-ARGS in front of HANDLER; start_bridge's pid,
# port; the log in $T/NAME.err.
tls_bridge() {
	local name=$1
	shift
	start_bridge "$name" 127.0.0.1:0 -- "$SOCKBRIDGE_TLS" "$@"
}

# ends NAME N: wait until the bridge NAME has logged N end lines.
ends() {
	wait_log 20 "$T/$1.err" '^sockbridge: end ' "$2"
}

# last_status NAME: the status= of the bridge NAME's last end line.
last_status() {
	grep '^sockbridge: end ' "$T/$1.err" | tail -n 1 |
	    sed 's/.*status=\([0-9]*\).*/\1/'
}

# s_client PORT ARGS...: openssl s_client, quiet, stdin as the message.
s_client() {
	local port=$1
	shift
	timeout "$(scaled 20)" openssl s_client -connect "127.0.0.1:$port" \
	    -quiet -verify_return_error "$@" 2>"$T/s_client.err"
}

# devlog_ok: true when a private /dev/log can be made (root, unshare -m).
devlog_ok() {
	[ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null &&
	    command -v socat >/dev/null && mkdir -p "$T/probe-mnt" &&
	    unshare -m sh -c 'mount -t tmpfs tmpfs "$1"' sh "$T/probe-mnt" \
	    2>/dev/null
}

# with_devlog NAME CMD...: CMD in a mount namespace of its own whose /dev
# is a tmpfs with the usual devices bound back, and /dev/log bound to a
# datagram socket in $T that socat reads into $T/NAME.log (as
# logging.test does it).  In the background; pid is CMD's.
with_devlog() {
	local name=$1
	shift
	mkdir -p "$T/$name.olddev"
	bg socat -u "UNIX-RECV:$T/$name.devlog" "OPEN:$T/$name.log,creat,append"
	wait_for 5 test -S "$T/$name.devlog" ||
	    fail "syslog $name: socat did not listen"
	bg unshare -m sh -c '
		set -e
		mount --rbind /dev "$1"
		mount -t tmpfs -o mode=755 tmpfs /dev
		for n in null zero full random urandom tty; do
			[ -e "$1/$n" ] || continue
			: >"/dev/$n"
			mount --bind "$1/$n" "/dev/$n"
		done
		ln -s /proc/self/fd /dev/fd
		: >/dev/log
		mount --bind "$2" /dev/log
		umount -l "$1"
		shift 2
		exec "$@"' sh "$T/$name.olddev" "$T/$name.devlog" "$@"
	pid=$!
}
