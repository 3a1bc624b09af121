#!/bin/bash
# bench/tls.sh: sockbridge-tls against the TLS peers a user would pick,
# side by side in one run (make bench-tls).  Every server runs the same
# one-line handler, bench/handler, behind TLS 1.3 with an ECDSA P-256
# certificate; the load is bench/tlsload (new handshakes only: no
# session resumption).
#   sockbridge-tls   sockbridge --quiet -- sockbridge-tls -- handler
#   stunnel-inetd    sockbridge --quiet -- stunnel4 (inetd mode: the same
#                    process model, a process per connection)
#   stunnel-daemon   the stunnel4 daemon, exec= handler
#   haproxy          HAProxy ending TLS, send-proxy-v2 to
#                    sockbridge --quiet --proxy-protocol -- handler
# Then: the relay's throughput (one connection, BENCH_MB of download)
# against stunnel4; the private memory of the relay per open connection;
# and where one connection's CPU goes in sockbridge-tls.
# Knobs: BENCH_ROUNDS (5), BENCH_SECONDS (2), BENCH_THREADS (2),
# BENCH_MB (200), BENCH_HOLD (20 connections held for memory).
# Needs SOCKBRIDGE, SOCKBRIDGE_TLS, BENCH_BIN (handler, tlsload) and
# TESTS_BIN (freeport), as make bench-tls exports them.

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_DIR/../tests/lib.sh"

ROUNDS=${BENCH_ROUNDS:-5}
DURATION=${BENCH_SECONDS:-2}
THREADS=${BENCH_THREADS:-2}
MB=${BENCH_MB:-200}
HOLD=${BENCH_HOLD:-20}
: "${SOCKBRIDGE_TLS:?run me with make bench-tls}"
HANDLER=$BENCH_BIN/handler
LOAD=$BENCH_BIN/tlsload
HZ=$(getconf CLK_TCK)
STUNNEL=$(command -v stunnel4 || command -v stunnel)
HAPROXY=$(command -v haproxy || command -v /usr/sbin/haproxy)
for f in "$HANDLER" "$LOAD" "$SOCKBRIDGE_TLS"; do
	[ -x "$f" ] || { echo "bench-tls: $f is not built" >&2; exit 1; }
done

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost 2>/dev/null || exit 1
cat "$T/cert.pem" "$T/key.pem" >"$T/bundle.pem"

# stunnel_conf FILE HANDLER [ACCEPT]: inetd mode without ACCEPT.
stunnel_conf() {
	{
		echo "syslog = no"
		echo "debug = 0"
		echo "pid ="
		[ -n "${3:-}" ] && echo "foreground = yes" && echo "[s]" &&
		    echo "accept = 127.0.0.1:$3"
		echo "cert = $T/cert.pem"
		echo "key = $T/key.pem"
		echo "exec = $2"
	} >"$1"
}

# sb NAME ARGS...: a quiet bridge on a free port; its port in $port.
sb() {
	local name=$1
	shift
	start_bridge "$name" 127.0.0.1:0 --quiet --max-connections 64 "$@"
	eval "pid_$name=\$pid port_$name=\$port"
}

declare -A PORT
sb sbtls -- "$SOCKBRIDGE_TLS" --cert "$T/cert.pem" --key "$T/key.pem" \
    -- "$HANDLER"
PORT[sockbridge-tls]=$port_sbtls
SERVERS="sockbridge-tls"
if [ -n "$STUNNEL" ]; then
	stunnel_conf "$T/inetd.conf" "$HANDLER"
	sb stinetd -- "$STUNNEL" "$T/inetd.conf"
	PORT[stunnel-inetd]=$port_stinetd
	p=$(free_port)
	stunnel_conf "$T/daemon.conf" "$HANDLER" "$p"
	bg "$STUNNEL" "$T/daemon.conf" >"$T/stunnel.log" 2>&1
	pid_stdaemon=$!
	wait_for 10 tcp_listening "$p"
	PORT[stunnel-daemon]=$p
	SERVERS="$SERVERS stunnel-inetd stunnel-daemon"
else
	echo "stunnel4 is not installed: its two cases are left out"
fi
if [ -n "$HAPROXY" ]; then
	sb behind --proxy-protocol=v2 --proxy-from 127.0.0.1 -- "$HANDLER"
	p=$(free_port)
	cat >"$T/haproxy.cfg" <<EOS
global
    maxconn 256
defaults
    mode tcp
    timeout connect 5s
    timeout client 20s
    timeout server 20s
frontend fe
    bind 127.0.0.1:$p ssl crt $T/bundle.pem
    default_backend be
backend be
    server s 127.0.0.1:$port_behind send-proxy-v2
EOS
	bg "$HAPROXY" -db -f "$T/haproxy.cfg" >"$T/haproxy.log" 2>&1
	wait_for 10 tcp_listening "$p"
	PORT[haproxy]=$p
	SERVERS="$SERVERS haproxy"
else
	echo "haproxy is not installed: its case is left out"
fi

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# --- new connections per second
echo "new TLS 1.3 connections per second, ECDSA P-256, $THREADS client" \
    "threads, median of $ROUNDS rounds of ${DURATION}s:"
declare -A RATES
failed=0
for r in $(seq "$ROUNDS"); do
	for s in $SERVERS; do
		out=$("$LOAD" -p "${PORT[$s]}" -t "$THREADS" -s "$DURATION")
		case $out in *failed=0*) ;; *) failed=1; echo "  $s: $out" ;; esac
		ok=${out#ok=}
		ok=${ok%% *}
		RATES[$s]="${RATES[$s]:-} $((ok / DURATION))"
	done
done
declare -A RATE
for s in $SERVERS; do
	RATE[$s]=$(printf '%s\n' ${RATES[$s]} | median)
	printf '  %-16s %6s /s   (rounds:%s)\n' "$s" "${RATE[$s]}" "${RATES[$s]}"
done
ratio() {
	[ -n "${RATE[$2]:-}" ] && [ "${RATE[$2]}" -gt 0 ] &&
	    awk -v a="${RATE[$1]}" -v b="${RATE[$2]}" \
	    'BEGIN { printf "%.2f", a / b }'
}
[ -n "$STUNNEL" ] && {
	echo "  sockbridge-tls / stunnel-inetd:  $(ratio sockbridge-tls stunnel-inetd) (target > 1)"
	echo "  sockbridge-tls / stunnel-daemon: $(ratio sockbridge-tls stunnel-daemon) (target >= 0.5)"
}
[ -n "$HAPROXY" ] &&
    echo "  sockbridge-tls / haproxy:        $(ratio sockbridge-tls haproxy)"

# --- the relay's throughput
echo "relay throughput, one connection, $MB MB server to client (median of $ROUNDS):"
printf '#!/bin/sh\nexec head -c %d /dev/zero\n' $((MB << 20)) >"$T/bulk.sh"
chmod +x "$T/bulk.sh"
sb bulk -- "$SOCKBRIDGE_TLS" --cert "$T/cert.pem" --key "$T/key.pem" \
    -- "$T/bulk.sh"
BULK="sockbridge-tls:$port_bulk"
if [ -n "$STUNNEL" ]; then
	stunnel_conf "$T/bulk.conf" "$T/bulk.sh"
	sb stbulk -- "$STUNNEL" "$T/bulk.conf"
	BULK="$BULK stunnel-inetd:$port_stbulk"
fi
# servers in turn within each round, as for the rate: load changes evenly
declare -A BRATES
for r in $(seq "$ROUNDS"); do
	for b in $BULK; do
		out=$("$LOAD" -d -p "${b#*:}")
		bytes=$(printf '%s\n' "$out" | sed -n 's/bytes=\([0-9]*\).*/\1/p')
		secs=$(printf '%s\n' "$out" | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')
		# a short transfer is a failure of ours, a note on a peer's
		if [ "$bytes" != $((MB << 20)) ]; then
			echo "  ${b%%:*}: short: $out"
			[ "${b%%:*}" = sockbridge-tls ] && failed=1
		fi
		BRATES[${b%%:*}]="${BRATES[${b%%:*}]:-} $(awk -v b="$bytes" \
		    -v s="$secs" 'BEGIN { printf "%d", b / 1048576 / s }')"
	done
done
for b in $BULK; do
	printf '  %-16s %6s MB/s (rounds:%s)\n' "${b%%:*}" \
	    "$(printf '%s\n' ${BRATES[${b%%:*}]} | median)" "${BRATES[${b%%:*}]}"
done

# --- private memory per open connection
echo "private memory of the relay per open connection ($HOLD held):"
# private_kb PID...: Private_Clean + Private_Dirty, summed, in kB.
private_kb() {
	local p sum=0 v
	for p in "$@"; do
		v=$(awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s }' \
		    "/proc/$p/smaps_rollup" 2>/dev/null)
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}
# hold_and_measure NAME PORT COMM: private kB per connection of the
# bridge's children named COMM while HOLD connections are open.
hold_and_measure() {
	local bridge=$2 port=$3 comm=$4 pids kb
	mkfifo "$T/hold.$1"
	"$LOAD" -p "$port" -k "$HOLD" <"$T/hold.$1" >"$T/held.$1" &
	local lpid=$!
	exec 9>"$T/hold.$1"
	wait_for 20 has_lines "$T/held.$1" 1
	pids=$(ps --ppid "$bridge" -o pid=,comm= | awk -v c="$comm" '$2 == c { print $1 }')
	kb=$(private_kb $pids)
	printf '  %-16s %6s kB (%s processes)\n' "$1" \
	    "$((kb / HOLD))" "$(echo $pids | wc -w)"
	exec 9>&-
	wait "$lpid"
}
sb holdtls -- "$SOCKBRIDGE_TLS" --cert "$T/cert.pem" --key "$T/key.pem" -- cat
hold_and_measure sockbridge-tls "$pid_holdtls" "$port_holdtls" sockbridge-tls
if [ -n "$STUNNEL" ]; then
	stunnel_conf "$T/hold.conf" /bin/cat
	sb holdst -- "$STUNNEL" "$T/hold.conf"
	hold_and_measure stunnel-inetd "$pid_holdst" "$port_holdst" stunnel4
fi

# --- where a connection's CPU goes in sockbridge-tls
echo "CPU per connection (user+system, ms), sockbridge-tls:"
python3 - "$SOCKBRIDGE_TLS" "$T/cert.pem" "$T/key.pem" <<'EOS'
import resource, subprocess, sys
tls, cert, key = sys.argv[1:4]
def cost(cmd, n=200):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(n):
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) / n * 1e3
base = cost(["/bin/true"])
start = cost([tls, "-V"])
check = cost([tls, "--check", "--cert", cert, "--key", key])
print("  exec of a trivial program      %5.2f" % base)
print("  + loading and linking libssl   %5.2f" % (start - base))
print("  + OpenSSL init, SSL_CTX_new,")
print("    certificate and key          %5.2f" % (check - start))
print("  (--check, all of the above)    %5.2f" % check)
EOS
# the whole connection: the bridge's reaped children, minus the handler's
conn_cpu() {
	local bridge=$1 port=$2 before after n
	before=$(awk '{ print $16 + $17 }' "/proc/$bridge/stat")
	out=$("$LOAD" -p "$port" -t 1 -s 3)
	sleep 0.2
	after=$(awk '{ print $16 + $17 }' "/proc/$bridge/stat")
	n=${out#ok=}
	n=${n%% *}
	awk -v t=$((after - before)) -v n="$n" -v hz="$HZ" \
	    'BEGIN { printf "%.2f", t * 1000 / hz / n }'
}
echo "  the whole connection, handshake and relay included:"
echo "    sockbridge-tls + handler      $(conn_cpu "$pid_sbtls" "$port_sbtls")"
[ -n "$STUNNEL" ] &&
    echo "    stunnel4 inetd + handler      $(conn_cpu "$pid_stinetd" "$port_stinetd")"
[ -n "$HAPROXY" ] &&
    echo "    handler alone (behind HAProxy) $(conn_cpu "$pid_behind" "${PORT[haproxy]}")"
exit "$failed"
