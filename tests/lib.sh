# tests/lib.sh: shared helpers for the shell tests, sourced by each *.test.
#
# The test harness (make check) exports:
#   SOCKBRIDGE       the bridge in the build tree
#   SOCKBRIDGE_ECHO  the default responder in the build tree
#   TESTS_BIN        the build directory of tests/ (probe, client, freeport...)
#   srcdir           the source directory of the tree (read-only under distcheck)
# Each test gets a private temp dir in $T, removed with every process the
# test started (via bg) when the script exits, however it exits.

set -u

# The PATH every test relies on: the system's own directories, whatever the
# caller had (root's PATH kept by sudo or a build daemon may name
# directories another user cannot search, and execvp then says EACCES where
# the tests expect ENOENT).
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

# TEST_TIMEOUT_SCALE (a whole number, default 1): every fail-safe upper
# bound of a test is multiplied by it; .ci/run raises it under the
# sanitizers and under load.  Lower bounds (never before its time) are
# never scaled.  A load average lags and does not see a CPU quota, so the
# scale is given, never guessed.
case ${TEST_TIMEOUT_SCALE:-1} in
'' | *[!0-9]* | 0) TEST_TIMEOUT_SCALE=1 ;;
esac
TEST_TIMEOUT_SCALE=${TEST_TIMEOUT_SCALE:-1}
export TEST_TIMEOUT_SCALE

# scaled SECONDS: SECONDS times TEST_TIMEOUT_SCALE, for an upper bound
# (timeout "$(scaled 10)" nc ..., a client's -T, a deadline).
scaled() {
	echo $(($1 * TEST_TIMEOUT_SCALE))
}

: "${SOCKBRIDGE:?run me through make check}"
: "${TESTS_BIN:?run me through make check}"

T=$(mktemp -d "${TMPDIR:-/tmp}/sockbridge-test.XXXXXX") || exit 99
BG_PIDS=

cleanup() {
	local pid
	for pid in $BG_PIDS; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $BG_PIDS; do
		wait "$pid" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 99' INT TERM

FAILED=0
PASSED=0
SKIPPED=0

# fail MESSAGE: record a failure and go on (the script exits 1 at the end).
fail() {
	echo "FAIL: $*" >&2
	FAILED=$((FAILED + 1))
}

pass() {
	echo "ok: $*"
	PASSED=$((PASSED + 1))
}

# skip REASON: the whole test cannot run here (exit 77 = SKIP for automake).
skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# skip_part REASON: one case of a test cannot run here; the rest goes on.
# Said on a SKIP line of its own and counted on the closing line, so a
# leave-out shows in the log.
skip_part() {
	echo "SKIP: $*" >&2
	SKIPPED=$((SKIPPED + 1))
}

# done_testing: the last line of every test.
done_testing() {
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" -eq 0 ]
	exit $?
}

require() {
	local cmd
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null 2>&1 || skip "$cmd is not installed"
	done
}

# check NAME EXPECTED ACTUAL: exact string comparison.
check() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1: expected [$2], got [$3]"
	fi
}

# check_contains NAME NEEDLE HAYSTACK
check_contains() {
	case "$3" in
	*"$2"*) pass "$1" ;;
	*) fail "$1: [$2] not in [$3]" ;;
	esac
}

# check_not_contains NAME NEEDLE HAYSTACK
check_not_contains() {
	case "$3" in
	*"$2"*) fail "$1: [$2] unexpectedly in [$3]" ;;
	*) pass "$1" ;;
	esac
}

# bg CMD...: start CMD in the background, remember it for cleanup; $! is its pid.
bg() {
	"$@" &
	BG_PIDS="$BG_PIDS $!"
}

# wait_for SECONDS CMD...: poll until CMD succeeds; fail after SECONDS
# (times TEST_TIMEOUT_SCALE: a fail-safe, never the property under test).
wait_for() {
	local limit=$1 tries
	shift
	tries=$((limit * 20 * TEST_TIMEOUT_SCALE))
	while ! "$@" 2>/dev/null; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.05
	done
	return 0
}

# wait_gone SECONDS PID: poll until process PID has exited.
wait_gone() {
	wait_for "$1" sh -c "! kill -0 $2"
}

# free_port [ADDRESS]: a TCP port currently free on ADDRESS (127.0.0.1).
free_port() {
	"$TESTS_BIN/freeport" "${1:-127.0.0.1}"
}

# listens_on PID PORT: true if process PID has a TCP socket listening on
# PORT (any local address), without connecting to it.
listens_on() {
	ss -Hltnp "sport = :$2" 2>/dev/null | grep -q "pid=$1,"
}

# with_port TRIES FUNCTION [ADDRESS]: for a listener that cannot bind port
# 0 and print its address (an activator that needs a fixed port): pick a
# free port of ADDRESS (127.0.0.1) into $port, and a second one into $port2,
# and call FUNCTION, which starts the listener on $port (and $port2 if it
# wants) in the background, sets pid, and lists in ports the ports it
# uses ("$port" if it does not set it); true once process pid listens on
# each.  A free port picked first and bound later can be taken meanwhile
# by a parallel test (tests/freeport.c): the listener then exits, and the
# whole setup is tried again on other ports, TRIES times in all.
with_port() {
	local tries=$1 fn=$2 address=${3:-127.0.0.1}
	while [ "$tries" -gt 0 ]; do
		port=$(free_port "$address") || return 1
		port2=$(free_port "$address") || return 1
		[ "$port2" != "$port" ] || continue
		ports=
		"$fn"
		: "${ports:=$port}"
		# shellcheck disable=SC2086
		wait_for 10 listens_or_gone "$pid" $ports
		# shellcheck disable=SC2086
		listens_all "$pid" $ports && return 0
		kill -TERM "$pid" 2>/dev/null
		tries=$((tries - 1))
	done
	return 1
}

# listens_all PID PORT...: PID listens on every PORT.
listens_all() {
	local p=$1
	shift
	while [ $# -gt 0 ]; do
		listens_on "$p" "$1" || return 1
		shift
	done
}

listens_or_gone() {
	listens_all "$@" || ! running "$1"
}

# port_open HOST PORT: true once something accepts connections there.
port_open() {
	nc -z "$1" "$2" 2>/dev/null
}

# ask HOST PORT MESSAGE: send MESSAGE plus a newline, print the reply.
ask() {
	printf '%s\n' "$3" | timeout "$(scaled 10)" nc -N "$1" "$2"
}

# tcp_listening PORT: true once a socket listens on TCP PORT (any local
# address, v4 or v6), found in /proc/net/tcp*, without connecting to it (a
# probe connection would be a client to the bridge, and use up --once).
tcp_listening() {
	awk -v p="$(printf ':%04X' "$1")" \
	    '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 }
	    END { exit !f }' /proc/net/tcp /proc/net/tcp6
}

# children PID: the pids of PID's child processes, one per line.
children() {
	ps --ppid "$1" -o pid= 2>/dev/null | tr -d ' '
}

# nchildren PID: how many child processes PID has.
nchildren() {
	children "$1" | grep -c .
}

# many_clients PORT THREADS CONNS: THREADS clients at once, each making CONNS
# connections in turn to 127.0.0.1:PORT with the echo transcript ("Hello
# Ruby" answered by "I got your message: Hello Ruby"). Prints a summary line
# "ok=N failed=N ..." and succeeds iff every connection got the right reply.
# Uses tests/client when it is built, else a loop of nc.
many_clients() {
	local port=$1 threads=$2 conns=$3 dir i j pids= ok failed
	if [ -x "$TESTS_BIN/client" ]; then
		"$TESTS_BIN/client" -p "$port" -t "$threads" -n "$conns" \
		    -m 'Hello Ruby' -e 'I got your message: Hello Ruby' -T 10
		return
	fi
	dir=$(mktemp -d "$T/many.XXXXXX") || return 1
	for i in $(seq "$threads"); do
		(
			for j in $(seq "$conns"); do
				if [ "$(ask 127.0.0.1 "$port" 'Hello Ruby')" = \
				    'I got your message: Hello Ruby' ]; then
					echo ok
				else
					echo failed
				fi
			done >"$dir/$i"
		) &
		pids="$pids $!"
	done
	for i in $pids; do
		wait "$i"
	done
	ok=$(cat "$dir"/* | grep -c '^ok$')
	failed=$(cat "$dir"/* | grep -c '^failed$')
	echo "ok=$ok failed=$failed"
	[ "$failed" -eq 0 ] && [ "$ok" -eq $((threads * conns)) ]
}

# listening PORT|PATH|@NAME: true once something listens on that TCP port
# (tcp_listening), unix socket path or abstract name (/proc/net/unix),
# without connecting to it.
listening() {
	case $1 in
	*/* | @*)
		awk -v p="$1" '$4 == "00010000" && $8 == p { f = 1 }
		    END { exit !f }' /proc/net/unix ;;
	*) tcp_listening "$1" ;;
	esac
}

# elapsed_ms START: milliseconds since START, taken with $(date +%s%N).
elapsed_ms() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

# has_children PID N: true if PID has exactly N child processes (for
# wait_for, which must re-run the count each time).
has_children() {
	[ "$(nchildren "$1")" -eq "$2" ]
}

# --- helpers for the server feature tests (limits, logging, timeout, ...)

# has_lines FILE N: true once FILE has at least N complete lines.
has_lines() {
	[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]
}

# start_bridge NAME ADDRESS [ARG...]: a bridge on --listen ADDRESS with
# --print-address and ARGs (more options, --, a handler), stdout in
# $T/NAME.out, stderr (the log) in $T/NAME.err. Returns once it has printed
# its address, with pid (the bridge), addr (the first address printed) and
# port (addr's port, for HOST:PORT) set; else fails and returns 1. Bash
# without job control starts background commands with SIGINT ignored; env
# puts it back to what a bridge normally inherits. Variables assigned in
# front of the call (NOTIFY_SOCKET=... start_bridge ...) reach the bridge.
start_bridge() {
	local name=$1 address=$2
	shift 2
	bg env --default-signal=INT "$SOCKBRIDGE" --listen "$address" \
	    --print-address "$@" >"$T/$name.out" 2>"$T/$name.err"
	pid=$!
	addr= port=
	if ! wait_for 10 has_lines "$T/$name.out" 1; then
		fail "$name: no address printed within 10 s:" \
		    "$(cat "$T/$name.err")"
		return 1
	fi
	addr=$(head -n 1 "$T/$name.out")
	port=${addr##*:}
}

# log_count FILE ERE: how many lines of FILE match the extended regex ERE.
log_count() {
	grep -cE -- "$2" "$1" 2>/dev/null
}

# wait_log SECONDS FILE ERE [N]: wait until N (default 1) lines of FILE
# match ERE.
wait_log() {
	wait_for "$1" has_match "$2" "$3" "${4:-1}"
}

has_match() {
	[ "$(log_count "$1" "$2")" -ge "$3" ]
}

# status_of PID: wait for the background PID, print its exit status.
status_of() {
	local rc=0
	wait "$1" 2>/dev/null || rc=$?
	echo "$rc"
}

# running PID: true while PID exists and is not a zombie.
running() {
	kill -0 "$1" 2>/dev/null &&
	    [ "$(ps -o stat= -p "$1" | cut -c1)" != Z ]
}

# now_ms: the time now, in milliseconds.
now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# hold NAME SOCAT_ADDRESS: a client (socat) connected to SOCAT_ADDRESS
# (TCP:127.0.0.1:PORT,bind=127.0.0.2, UNIX-CONNECT:PATH, ...) that sends
# nothing until "say NAME LINE"; what it receives goes to $T/NAME.got.
# held_pid is the client's pid (a timeout wrapper, 30 s at most, scaled).
hold() {
	local fd
	mkfifo "$T/$1.in" || return 1
	exec {fd}<>"$T/$1.in"
	eval "HOLD_FD_$1=$fd"
	# Without job control an asynchronous command's stdin is /dev/null
	# unless redirected in the command itself: hence sh -c.
	bg sh -c 'exec timeout $((30 * TEST_TIMEOUT_SCALE)) socat - "$1" <"$2" >"$3"' sh "$2" \
	    "$T/$1.in" "$T/$1.got"
	held_pid=$!
}

# say NAME LINE: the held client NAME sends LINE and a newline.
say() {
	local fd
	eval "fd=\$HOLD_FD_$1"
	printf '%s\n' "$2" >&"$fd"
}

# proc_ticks PID: user + system CPU time of PID so far, in clock ticks.
proc_ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# nfds PID: how many descriptors PID has open.
nfds() {
	ls "/proc/$1/fd" | wc -l
}

# log_errors FILE: the lines of a bridge's stderr log that are not its
# routine info lines (start, end, refused, drain, gone), i.e. errors and
# warnings.
log_errors() {
	grep -v '^sockbridge: \(start\|end\|refused\|drain\|gone\) ' "$1"
}

# nchildren_is PID OP N: [ "$(nchildren PID)" OP N ], counted afresh at each
# call (for wait_for, whose arguments are expanded only once).
nchildren_is() {
	[ "$(nchildren "$1")" "$2" "$3" ]
}

# socat_from HOST ADDRESS [SECONDS]: socat from a free port of HOST
# (127.0.0.1, ::1) to the socat ADDRESS (TCP:..., TCP6:...), what it
# receives in $T/from.out, its errors in $T/from.err, the source port in
# cport.  A port found free can be taken by another process before socat
# binds it: then another is picked.  Returns socat's status.
socat_from() {
	local host=$1 to=$2 limit=${3:-10} bindhost=$1 try rc
	case $host in *:*) bindhost="[$host]" ;; esac
	for try in 1 2 3 4 5; do
		cport=$(free_port "$host") || return 1
		rc=0
		timeout "$(scaled "$limit")" socat -u \
		    "$to,bind=$bindhost:$cport" STDOUT >"$T/from.out" \
		    2>"$T/from.err" || rc=$?
		grep -q 'Address already in use' "$T/from.err" || return "$rc"
	done
	return 1
}
