#!/bin/bash
# bench/bench.sh: connection rate of sockbridge against the servers a user
# would otherwise pick, all running the same tiny handler (bench/handler).
# Run it with `make bench`, which builds everything and exports:
#   SOCKBRIDGE  the bridge       TESTS_BIN  tests/ (client, freeport)
#   BENCH_BIN   bench/ (handler, minimal; results.txt is written there)
# Knobs (environment):
#   BENCH_ROUNDS   rounds, each server in turn within a round (7)
#   BENCH_SECONDS  seconds of load per server per round (1)
#   BENCH_THREADS  client threads, each one connection at a time (4)
#   BENCH_LIMIT    concurrency limit given to every server that has one (64)
#   BENCH_SERVERS  servers to run, space separated (all of them)
#   BENCH_RESULTS  where the table is saved ($BENCH_BIN/results.txt)
#   BENCH_PROXY    0: leave out the case behind HAProxy (PROXY header)
#   BENCH_DEAD     dead connections per round of the drain case (2000;
#                  0: leave it out)
# Exit 0 when every connection to every server got the right reply, 1
# otherwise.  The performance targets are reported, not enforced.

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
. "$BENCH_DIR/../tests/lib.sh"

ROUNDS=${BENCH_ROUNDS:-7}
DURATION=${BENCH_SECONDS:-1}
THREADS=${BENCH_THREADS:-4}
LIMIT=${BENCH_LIMIT:-64}
BENCH_BIN=${BENCH_BIN:-$(dirname "$SOCKBRIDGE")/../bench}
RESULTS=${BENCH_RESULTS:-$BENCH_BIN/results.txt}
# In this order, so that the servers of the targets run next to sockbridge.
ALL_SERVERS="sockbridge sockbridge-rules tcpserver minimal sockbridge-quiet
tcpsvd xinetd systemd-socket-activate systemd-accept socat"
# sockbridge-rules: the client is checked against this many rules.
NRULES=1000
SERVERS=${BENCH_SERVERS:-$ALL_SERVERS}

HANDLER=$BENCH_BIN/handler
MINIMAL=$BENCH_BIN/minimal
CLIENT=$TESTS_BIN/client
MESSAGE=hello
REPLY='I got your message: hello'
HZ=$(getconf CLK_TCK)

die() {
	echo "bench: $*" >&2
	exit 1
}

for v in ROUNDS DURATION THREADS LIMIT; do
	case ${!v} in
	'' | *[!0-9]* | 0*) die "$v=${!v}: not a positive number" ;;
	esac
done
for f in "$SOCKBRIDGE" "$HANDLER" "$MINIMAL" "$CLIENT" "$TESTS_BIN/freeport"
do
	[ -x "$f" ] || die "$f is not built (run me with make bench)"
done
for name in $SERVERS; do
	case " $(echo $ALL_SERVERS) " in
	*" $name "*) ;;
	*) die "$name: unknown server (known: $(echo $ALL_SERVERS))" ;;
	esac
done

if ldd "$HANDLER" >/dev/null 2>&1; then
	LINKAGE=dynamic
else
	LINKAGE=static
fi

# server_cmd NAME: the server's program; fails (saying why) if missing.
server_cmd() {
	local cmd=
	case $1 in
	sockbridge)	cmd=$SOCKBRIDGE ;;
	sockbridge-quiet)
		"$SOCKBRIDGE" --help 2>&1 | grep -q -e --quiet ||
		    { echo "sockbridge has no --quiet"; return 1; }
		cmd=$SOCKBRIDGE ;;
	sockbridge-rules)
		"$SOCKBRIDGE" --help 2>&1 | grep -q -e --rules ||
		    { echo "sockbridge has no --rules"; return 1; }
		cmd=$SOCKBRIDGE ;;
	xinetd)		cmd=$(command -v xinetd || command -v /usr/sbin/xinetd)
			[ "$(id -u)" -eq 0 ] ||
			    { echo "xinetd needs root here"; return 1; } ;;
	minimal)	cmd=$MINIMAL ;;
	systemd-accept)
		# a systemd --user of our own, as tests/units.test runs it
		[ "$(id -u)" -eq 0 ] && [ -x /lib/systemd/systemd ] &&
		    command -v systemctl >/dev/null &&
		    unshare -m --propagation private true 2>/dev/null ||
		    { echo "systemd --user cannot run here (needs root," \
		    "/lib/systemd/systemd, systemctl, unshare -m)"; return 1; }
		cmd=/lib/systemd/systemd ;;
	*)		cmd=$(command -v "$1") ;;
	esac
	[ -n "$cmd" ] || { echo "$1 is not installed"; return 1; }
	echo "$cmd"
}

server_limit() {
	case $1 in
	sockbridge*)	echo "--max-connections $LIMIT" ;;
	tcpserver)	echo "-c $LIMIT" ;;
	tcpsvd)		echo "-c $LIMIT" ;;
	xinetd)		echo "instances = $LIMIT" ;;
	socat)		echo "max-children=$LIMIT" ;;
	systemd-accept)	echo "MaxConnections=$(accept_max)" ;;
	*)		echo "none (it has no limit)" ;;
	esac
}

# make_rules N: N access rules, as a rules file, for sockbridge-rules: IPv4
# and IPv6 networks of every prefix length (drawn with a fixed seed, so
# every run loads the same table), allow and deny mixed, and nested ones
# around the client, 127.0.0.1, which the longest of them allows: each
# lookup walks the trie down to a /32.
make_rules() {
	awk -v n="$1" 'BEGIN {
		srand(1)
		print "127.0.0.0/8 deny"; print "127.0.0.0/16 allow"
		print "127.0.0.0/24 deny"; print "127.0.0.0/31 deny"
		print "127.0.0.1 allow"
		for (k = 5; k < n; ) {
			len = 8 + int(rand() * 25)		# 8 .. 32
			if (k % 2) {
				a = int(rand() * 2^32)
				a -= a % 2^(32 - len)
				r = sprintf("%d.%d.%d.%d/%d", int(a / 2^24),
				    int(a / 2^16) % 256, int(a / 2^8) % 256,
				    a % 256, len)
				if (int(a / 2^24) == 127)
					continue
			} else {
				len += 24			# 32 .. 56
				r = "2001"
				for (i = 1; i <= 3; i++) {
					g = int(rand() * 65536)
					keep = len - 16 * i
					keep = keep < 0 ? 0 : keep > 16 ? 16 : keep
					g -= g % 2^(16 - keep)
					r = r sprintf(":%x", g)
				}
				r = r "::/" len
			}
			if (r in seen)
				continue
			seen[r] = 1
			print r, (rand() < 0.5 ? "allow" : "deny")
			k++
		}
	}'
}

# accept_max: MaxConnections= of the systemd Accept=yes socket: $LIMIT,
# but never fewer than the client threads, as systemd refuses (closes)
# connections over it rather than queueing them.
accept_max() {
	echo $((LIMIT > THREADS ? LIMIT : THREADS))
}

# start_systemd_accept PORT: systemd's own per-connection activation, a
# bench.socket with Accept=yes starting bench@.service (the handler, the
# connection on its stdin and stdout) for each client, under a systemd
# --user of our own in a mount namespace with /run on a tmpfs (as
# tests/units.test runs it).  systemd 252 fails an Accept=yes socket
# after 200 triggers in 2 s (TriggerLimitIntervalSec=0 lifts that).  Sets
# SPID to the manager, the parent of every handler (its CPU time counts
# theirs, as for the other servers); the wrapper the cleanup stops is
# the background job.  Fails, with why in WHY, if the manager does not
# come up.
start_systemd_accept() {
	local dir=$T/systemd
	mkdir -p "$dir"
	cat >"$dir/run.sh" <<-'EOF'
	set -u
	mount -t tmpfs tmpfs /run || exit 3
	export XDG_RUNTIME_DIR=/run/user/0
	U=$XDG_RUNTIME_DIR/systemd/user
	# /run/systemd/system: what tells systemd it is the init system
	mkdir -p "$U" /run/systemd/system || exit 3
	printf '%s\n' '[Socket]' "ListenStream=127.0.0.1:$PORT" 'Accept=yes' \
	    'TriggerLimitIntervalSec=0' "MaxConnections=$MAXCONN" \
	    >"$U/bench.socket"
	printf '%s\n' '[Service]' "ExecStart=$HANDLER" \
	    'StandardInput=socket' 'StandardOutput=socket' \
	    'StandardError=null' >"$U/bench@.service"
	SYSTEMD_LOG_LEVEL=warning /lib/systemd/systemd --user </dev/null \
	    >"$DIR/manager.log" 2>&1 &
	mpid=$!
	trap 'kill -TERM $mpid; wait $mpid; exit 0' TERM
	i=0
	until systemctl --user is-system-running >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 400 ] && kill -0 $mpid 2>/dev/null || exit 4
		sleep 0.05
	done
	systemctl --user start bench.socket || exit 5
	echo $mpid >"$DIR/manager.pid"
	wait $mpid
	EOF
	PORT=$1 MAXCONN=$(accept_max) HANDLER=$HANDLER DIR=$dir \
	    bg unshare -m --propagation private bash "$dir/run.sh" \
	    </dev/null >"$T/systemd-accept.out" 2>"$T/systemd-accept.err"
	if ! wait_for 30 test -s "$dir/manager.pid"; then
		WHY="systemd --user did not start bench.socket: $(cat \
		    "$dir/manager.log" "$T/systemd-accept.err" 2>&1 |
		    tail -n 3 | tr '\n' ' ')"
		return 1
	fi
	SPID=$(cat "$dir/manager.pid")
}

# start_server NAME CMD PORT: start it in the background; sets SPID.
start_server() {
	local name=$1 cmd=$2 port=$3
	case $name in
	sockbridge)
		bg "$cmd" --listen "127.0.0.1:$port" --max-connections "$LIMIT" \
		    -- "$HANDLER" ;;
	sockbridge-quiet)
		bg "$cmd" --listen "127.0.0.1:$port" --max-connections "$LIMIT" \
		    --quiet -- "$HANDLER" ;;
	sockbridge-rules)
		make_rules "$NRULES" >"$T/bench.rules"
		bg "$cmd" --listen "127.0.0.1:$port" --max-connections "$LIMIT" \
		    --rules "$T/bench.rules" -- "$HANDLER" ;;
	tcpserver)
		bg "$cmd" -RHl0 -c "$LIMIT" 127.0.0.1 "$port" "$HANDLER" ;;
	tcpsvd)
		bg "$cmd" -l0 -c "$LIMIT" 127.0.0.1 "$port" "$HANDLER" ;;
	xinetd)
		# cps: xinetd's default (50 a second, then off for 10 s)
		# would stop the service in the first second.
		cat >"$T/xinetd.conf" <<-EOF
		defaults
		{
			log_type	= FILE $T/xinetd.log
			log_on_success	=
			log_on_failure	=
		}

		service sockbridge-bench
		{
			type		= UNLISTED
			port		= $port
			bind		= 127.0.0.1
			socket_type	= stream
			protocol	= tcp
			wait		= no
			user		= root
			server		= $HANDLER
			instances	= $LIMIT
			per_source	= UNLIMITED
			cps		= 1000000 1
			flags		= IPv4
		}
		EOF
		bg "$cmd" -dontfork -f "$T/xinetd.conf" \
		    -pidfile "$T/xinetd.pid" ;;
	systemd-socket-activate)
		bg "$cmd" -a --inetd -l "127.0.0.1:$port" "$HANDLER" ;;
	socat)
		bg "$cmd" "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork,max-children=$LIMIT" \
		    "EXEC:$HANDLER" ;;
	minimal)
		bg "$cmd" "$port" "$HANDLER" ;;
	esac </dev/null >"$T/$name.out" 2>"$T/$name.err"
	SPID=$!
}

# cpu_ticks PID: CPU time of PID and of the children it has reaped, in
# clock ticks (utime stime cutime cstime: fields 14-17 of its stat).
cpu_ticks() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	set -- ${stat##*) }
	echo $((${12} + ${13} + ${14} + ${15}))
}

# handlers_done PID: no child of PID is still running (zombies aside).
handlers_done() {
	! ps --ppid "$1" -o stat= 2>/dev/null | grep -qv '^Z'
}

# field NAME LINE: the value of NAME=value in LINE.
field() {
	local kv
	for kv in $2; do
		case $kv in
		"$1"=*) echo "${kv#*=}"; return ;;
		esac
	done
	echo 0
}

# median VALUE...: the median of the numbers given, "-" if none is.
median() {
	printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g | awk '{ v[NR] = $1 }
	    END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
	    else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B: A / B to two decimals ("-" when either is missing).
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
	    if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0)
		printf "%.2f", a / b; else print "-" }'
}

# paired A B: the median over the rounds of A's rate divided by B's in
# the same round (a slow spell on the machine then weighs on both sides).
paired() {
	local r q=
	for r in $(seq "$ROUNDS"); do
		q="$q $(ratio "${RATE[$1,$r]:-}" "${RATE[$2,$r]:-}")"
	done
	median $q
}

# target WHAT VALUE OP LIMIT: one line, "met" or "MISSED".
target() {
	local r
	awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN {
	    ok = op == ">=" ? v + 0 >= l + 0 : v + 0 <= l + 0
	    exit !(v ~ /^[0-9.]+$/ && l ~ /^[0-9.]+$/ && ok) }' &&
	    r=met || r=MISSED
	echo "$1 $2 (target $3 $4): $r"
}

declare -A PORT PID RATE RATES P50S P99S CPUS FAILED RSS PRIV
RUN=
SKIPPED=
STATUS=0

# Start every server once, each on its own port, and check that it answers.
for name in $SERVERS; do
	if ! cmd=$(server_cmd "$name"); then
		echo "bench: $name skipped: $cmd" >&2
		SKIPPED="$SKIPPED $name:$(echo "$cmd" | tr ' ' '_')"
		continue
	fi
	port=$(free_port) || die "no free port"
	if [ "$name" = systemd-accept ]; then
		if ! start_systemd_accept "$port"; then
			echo "bench: $name skipped: $WHY" >&2
			SKIPPED="$SKIPPED $name:$(echo "$WHY" | tr ' ' '_')"
			continue
		fi
	else
		start_server "$name" "$cmd" "$port"
	fi
	if ! wait_for 10 tcp_listening "$port" ||
	    ! out=$("$CLIENT" -p "$port" -T 5 -m "$MESSAGE" -e "$REPLY" \
	    2>&1); then
		echo "bench: $name does not serve on port $port: skipped" >&2
		echo "${out:-}" | sed 's/^/  /' >&2
		sed 's/^/  /' "$T/$name.err" >&2
		kill -TERM "$SPID" 2>/dev/null
		SKIPPED="$SKIPPED $name:does_not_serve"
		STATUS=1
		continue
	fi
	PORT[$name]=$port
	PID[$name]=$SPID
	RUN="$RUN $name"
	FAILED[$name]=0
done
[ -n "$RUN" ] || die "no server could be run"

set -- $RUN
nserv=$#
echo "bench: $ROUNDS rounds x $nserv servers x ${DURATION}s," \
    "$THREADS client threads" >&2

# Interleaved rounds: every server once per round, the first one moving on
# by one each round, so that no server always comes after the same one.
for round in $(seq "$ROUNDS"); do
	set -- $RUN
	k=$(((round - 1) % nserv))
	for name in "${@:k+1}" "${@:1:k}"; do
		pid=${PID[$name]}
		wait_for 5 handlers_done "$pid"
		t0=$(cpu_ticks "$pid")
		line=$("$CLIENT" -p "${PORT[$name]}" -t "$THREADS" \
		    -d "$DURATION" -T 10 -m "$MESSAGE" -e "$REPLY" \
		    2>>"$T/$name.client")
		rc=$?
		wait_for 5 handlers_done "$pid"
		t1=$(cpu_ticks "$pid")
		[ -n "$line" ] || line="ok=0 failed=1 (client exit $rc)"
		printf 'bench: round %d %-24s %s\n' "$round" "$name" "$line" >&2
		ok=$(field ok "$line")
		failed=$(field failed "$line")
		[ "$rc" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
		FAILED[$name]=$((FAILED[$name] + failed))
		RATE[$name,$round]=$(field rate "$line")
		RATES[$name]="${RATES[$name]:-} ${RATE[$name,$round]}"
		P50S[$name]="${P50S[$name]:-} $(field p50_ms "$line")"
		P99S[$name]="${P99S[$name]:-} $(field p99_ms "$line")"
		CPUS[$name]="${CPUS[$name]:-} $(awk -v t=$((t1 - t0)) \
		    -v n=$((ok + failed)) -v hz="$HZ" \
		    'BEGIN { print (n > 0 ? t * 1e6 / hz / n : 0) }')"
	done
done

# Peak memory of each server's own process, after all its runs.
for name in $RUN; do
	RSS[$name]=$(awk '$1 == "VmHWM:" { print $2 }' \
	    "/proc/${PID[$name]}/status" 2>/dev/null)
	PRIV[$name]=$(awk '/^Private_(Clean|Dirty):/ { kb += $2; n++ }
	    END { print n ? kb : "?" }' "/proc/${PID[$name]}/smaps_rollup" \
	    2>/dev/null)
	if [ -z "${RSS[$name]}" ]; then
		RSS[$name]='?'
		echo "bench: $name (pid ${PID[$name]}) died" >&2
		STATUS=1
	fi
done

report() {
	local name rate sbrate= total=0 t why

	echo "sockbridge connection-rate benchmark" \
	    "($(date -u '+%Y-%m-%d %H:%M UTC'), $($SOCKBRIDGE --version))"
	echo "host: $(nproc) CPUs, $(uname -sr), load average" \
	    "$(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo "handler: bench/handler ($LINKAGE); load: tests/client" \
	    "-t $THREADS -d $DURATION to 127.0.0.1, $ROUNDS interleaved rounds"
	echo "conn/s, p50, p99 and cpu_us: medians of the rounds; cpu_us: CPU" \
	    "time of the server and its handlers per connection"
	echo "vs_sb and the targets: median over the rounds of conn/s divided" \
	    "by sockbridge's in the same round"
	echo "rss_kB: peak RSS (VmHWM) of the server's own process, shared" \
	    "library pages included; priv_kB: its private pages at the end"
	echo "concurrency limit: $LIMIT wherever the server has one"
	echo
	[ -n "${RATES[sockbridge]:-}" ] &&
	    sbrate=$(median ${RATES[sockbridge]})
	printf '%-24s %7s %6s %6s %5s %6s %6s %7s %6s  %s\n' server conn/s \
	    p50_ms p99_ms vs_sb cpu_us rss_kB priv_kB failed limit
	for name in $RUN; do
		rate=$(median ${RATES[$name]})
		printf '%-24s %7.0f %6.2f %6.2f %5s %6.0f %6s %7s %6d  %s\n' \
		    "$name" "$rate" "$(median ${P50S[$name]})" \
		    "$(median ${P99S[$name]})" "$(paired "$name" sockbridge)" \
		    "$(median ${CPUS[$name]})" "${RSS[$name]}" \
		    "${PRIV[$name]:-?}" "${FAILED[$name]}" \
		    "$(server_limit "$name")"
		total=$((total + FAILED[$name]))
	done
	for t in $SKIPPED; do
		why=${t#*:}
		printf '%-24s skipped: %s\n' "${t%%:*}" "${why//_/ }"
	done
	echo
	echo "failed connections, all servers: $total (must be 0)"
	if [ -z "$sbrate" ]; then
		echo "targets: sockbridge did not run"
		return
	fi
	for t in tcpserver minimal; do
		if [ -n "${RATES[$t]:-}" ]; then
			target "conn/s sockbridge/$t:" \
			    "$(paired sockbridge "$t")" '>=' \
			    "$([ $t = tcpserver ] && echo 1.00 || echo 0.95)"
		else
			echo "conn/s sockbridge/$t: - ($t did not run)"
		fi
	done
	if [ -n "${RATES[systemd-accept]:-}" ]; then
		echo "conn/s sockbridge/systemd-accept (systemd's own" \
		    "Accept=yes): $(paired sockbridge systemd-accept)" \
		    "(not a target)"
	fi
	for t in tcpserver minimal systemd-accept; do
		[ -n "${CPUS[$t]:-}" ] || continue
		echo "CPU per connection, sockbridge/$t:" \
		    "$(ratio "$(median ${CPUS[sockbridge]})" \
		    "$(median ${CPUS[$t]})") (lower is better; not a target)"
	done
	if [ -n "${RATES[sockbridge-rules]:-}" ]; then
		target "conn/s sockbridge-rules/sockbridge ($NRULES rules vs none):" \
		    "$(paired sockbridge-rules sockbridge)" '>=' 0.97
		echo "CPU per connection, sockbridge-rules/sockbridge:" \
		    "$(ratio "$(median ${CPUS[sockbridge-rules]})" \
		    "$(median ${CPUS[sockbridge]})") (not a target)"
	fi
	if [ -n "${RSS[tcpserver]:-}" ]; then
		target "peak RSS kB, sockbridge (vs tcpserver):" \
		    "${RSS[sockbridge]}" '<=' "${RSS[tcpserver]}"
	else
		echo "peak RSS sockbridge vs tcpserver: - (tcpserver did not run)"
	fi
}

# --- Memory after the load: PSS and private pages, and whose pages they are.

declare -A PSS PCLEAN PDIRTY

# rollup PID FIELD: a field of /proc/PID/smaps_rollup, in kB ("?" if none).
rollup() {
	awk -v f="$2:" '$1 == f { print $2; n++ } END { if (!n) print "?" }' \
	    "/proc/$1/smaps_rollup" 2>/dev/null || echo '?'
}

measure_memory() {
	local name
	for name in $RUN; do
		PSS[$name]=$(rollup "${PID[$name]}" Pss)
		PCLEAN[$name]=$(rollup "${PID[$name]}" Private_Clean)
		PDIRTY[$name]=$(rollup "${PID[$name]}" Private_Dirty)
	done
}

# by_mapping PID: the PSS, private (clean + dirty) and private dirty kB of
# PID per mapped object and permissions (a file's basename, [heap],
# [stack], [anon], ...; r-x is code, rw- data), largest first.  A file's
# pages count as private when no other process maps them, and as dirty
# while the page cache has not written them back (a binary just built).
by_mapping() {
	awk '
	    /^[0-9a-f]+-[0-9a-f]+ / {
		key = NF >= 6 ? $6 : "[anon]"
		sub(/.*\//, "", key)
		key = key " " substr($2, 1, 3)
		next
	    }
	    $1 == "Pss:" { pss[key] += $2 }
	    $1 == "Private_Clean:" || $1 == "Private_Dirty:" { priv[key] += $2 }
	    $1 == "Private_Dirty:" { dirty[key] += $2 }
	    END {
		for (k in pss)
			if (pss[k] || priv[k])
				printf "  %-28s %6d %8d %8d\n", k, pss[k], priv[k],
				    dirty[k]
	    }' "/proc/$1/smaps" 2>/dev/null | sort -k3,3nr -k2,2nr
}

memory_report() {
	local name
	echo
	echo "memory of the server's own process after its runs, kB:" \
	    "rss_peak (VmHWM), pss (shared pages divided among their users)," \
	    "private = private_clean + private_dirty (smaps_rollup)"
	printf '%-24s %8s %6s %8s %13s %13s\n' server rss_peak pss private \
	    private_clean private_dirty
	for name in $RUN; do
		printf '%-24s %8s %6s %8s %13s %13s\n' "$name" "${RSS[$name]}" \
		    "${PSS[$name]}" "${PRIV[$name]:-?}" "${PCLEAN[$name]}" \
		    "${PDIRTY[$name]}"
	done
	for name in sockbridge tcpserver; do
		[ -n "${PID[$name]:-}" ] || continue
		echo "$name (pid ${PID[$name]}) by mapping, kB:" \
		    "object, pss, private, of which dirty"
		by_mapping "${PID[$name]}"
	done
}

# --- Start-up cost (bench/startup.py), after the load, BENCH_STARTUP_ROUNDS
# (21) rounds each: the medians of
#   listen:  fork-exec to listening (the printed address or port), and to
#            the first client served, which connects at once;
#   inherit: fork-exec with the listening socket on fd 3 (LISTEN_FDS, as
#            systemd Accept=no) and a client already waiting, to its reply;
#   nowait:  the handler exec'd on an accepted connection, as inetd nowait
#            or systemd Accept=yes: the floor of "inherit".

STARTUP_ROUNDS=${BENCH_STARTUP_ROUNDS:-21}
STARTUP=

# startup_line LABEL MODE PROGRAM [ARG...]: one measured row, or why not.
startup_line() {
	local label=$1 mode=$2 out
	shift 2
	if out=$(python3 "$BENCH_DIR/startup.py" "$mode" "$STARTUP_ROUNDS" \
	    "$@" 2>&1); then
		STARTUP="$STARTUP$(printf '%-34s %9s %8s' "$label" \
		    "$(field listen_us "$out" | sed 's/^0$/-/')" \
		    "$(field first_us "$out")")
"
	else
		STARTUP="$STARTUP$(printf '%-34s failed: %s' "$label" "$out")
"
		STATUS=1
	fi
}

measure_startup() {
	local tcpserver
	command -v python3 >/dev/null || { STARTUP="(python3 is missing)
"; return; }
	startup_line "sockbridge --listen" listen "$SOCKBRIDGE" \
	    --listen 127.0.0.1:0 --print-address -- "$HANDLER"
	if tcpserver=$(command -v tcpserver); then
		startup_line "tcpserver -1 -RHl0" listen "$tcpserver" -1 -RHl0 \
		    127.0.0.1 0 "$HANDLER"
	else
		STARTUP="${STARTUP}tcpserver: not installed
"
	fi
	startup_line "sockbridge, inherited (LISTEN_FDS)" inherit \
	    "$SOCKBRIDGE" -- "$HANDLER"
	startup_line "handler alone (nowait, Accept=yes)" nowait "$HANDLER"
}

startup_report() {
	echo
	echo "start-up, microseconds, medians of $STARTUP_ROUNDS rounds" \
	    "(bench/startup.py): listen = fork-exec to listening;" \
	    "first = fork-exec to the first client's reply"
	printf '%-34s %9s %8s\n' "server" listen_us first_us
	printf '%s' "$STARTUP"
}

measure_memory
measure_startup

# --- Behind a balancer: the cost of the PROXY header.  One HAProxy in
# front of two bridges: "haproxy-pp" sends send-proxy-v2 to a bridge with
# --proxy-protocol, "haproxy" sends nothing to one without; the same load
# through each in turn, ROUNDS interleaved rounds, and the paired median
# of their rates (target >= 0.95).  It sets PROXY_REPORT, the lines the
# report ends with, and adds its failures to STATUS.
PROXY_REPORT=

proxy_case() {
	local haproxy fpp fplain bpp bplain hpid line rc round name ok
	local failed order t0 t1

	[ "${BENCH_PROXY:-1}" != 0 ] || return 0
	haproxy=$(command -v haproxy || command -v /usr/sbin/haproxy)
	if [ -z "$haproxy" ]; then
		PROXY_REPORT="behind HAProxy: skipped: haproxy is not installed"
		return 0
	fi
	fpp=$(free_port) && fplain=$(free_port) || die "no free port"
	bpp=$(free_port) && bplain=$(free_port) || die "no free port"
	bg "$SOCKBRIDGE" --listen "127.0.0.1:$bpp" --max-connections "$LIMIT" \
	    --proxy-protocol -- "$HANDLER" </dev/null >/dev/null \
	    2>"$T/sb-pp.err"
	PID[haproxy-pp]=$!
	bg "$SOCKBRIDGE" --listen "127.0.0.1:$bplain" \
	    --max-connections "$LIMIT" -- "$HANDLER" </dev/null >/dev/null \
	    2>"$T/sb-plain.err"
	PID[haproxy]=$!
	cat >"$T/haproxy.cfg" <<-EOF
	global
	    maxconn 1000
	defaults
	    mode tcp
	    timeout connect 5s
	    timeout client 10s
	    timeout server 10s
	frontend pp
	    bind 127.0.0.1:$fpp
	    default_backend pp
	frontend plain
	    bind 127.0.0.1:$fplain
	    default_backend plain
	backend pp
	    server s 127.0.0.1:$bpp send-proxy-v2
	backend plain
	    server s 127.0.0.1:$bplain
	EOF
	bg "$haproxy" -db -f "$T/haproxy.cfg" </dev/null >"$T/haproxy.log" 2>&1
	hpid=$!
	PORT[haproxy-pp]=$fpp
	PORT[haproxy]=$fplain
	for name in haproxy-pp haproxy; do
		if ! wait_for 10 tcp_listening "${PORT[$name]}" ||
		    ! "$CLIENT" -p "${PORT[$name]}" -T 5 -m "$MESSAGE" \
		    -e "$REPLY" >/dev/null 2>&1; then
			PROXY_REPORT="behind HAProxy: skipped: $name does not serve"
			sed 's/^/  /' "$T/haproxy.log" >&2
			STATUS=1
			kill -TERM "$hpid" "${PID[haproxy-pp]}" "${PID[haproxy]}"
			return 0
		fi
		FAILED[$name]=0
	done
	for round in $(seq "$ROUNDS"); do
		order="haproxy-pp haproxy"
		[ $((round % 2)) -eq 0 ] && order="haproxy haproxy-pp"
		for name in $order; do
			wait_for 5 handlers_done "${PID[$name]}"
			t0=$(cpu_ticks "${PID[$name]}")
			line=$("$CLIENT" -p "${PORT[$name]}" -t "$THREADS" \
			    -d "$DURATION" -T 10 -m "$MESSAGE" -e "$REPLY" \
			    2>>"$T/$name.client")
			rc=$?
			wait_for 5 handlers_done "${PID[$name]}"
			t1=$(cpu_ticks "${PID[$name]}")
			[ -n "$line" ] || line="ok=0 failed=1 (client exit $rc)"
			printf 'bench: round %d %-24s %s\n' "$round" "$name" \
			    "$line" >&2
			ok=$(field ok "$line")
			failed=$(field failed "$line")
			[ "$rc" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
			FAILED[$name]=$((FAILED[$name] + failed))
			RATE[$name,$round]=$(field rate "$line")
			RATES[$name]="${RATES[$name]:-} ${RATE[$name,$round]}"
			P50S[$name]="${P50S[$name]:-} $(field p50_ms "$line")"
			P99S[$name]="${P99S[$name]:-} $(field p99_ms "$line")"
			CPUS[$name]="${CPUS[$name]:-} $(awk -v t=$((t1 - t0)) \
			    -v n=$((ok + failed)) -v hz="$HZ" \
			    'BEGIN { print (n > 0 ? t * 1e6 / hz / n : 0) }')"
		done
	done
	kill -TERM "$hpid" "${PID[haproxy-pp]}" "${PID[haproxy]}"
	PROXY_REPORT=$(proxy_report "$haproxy")
	for name in haproxy-pp haproxy; do
		[ "${FAILED[$name]}" -eq 0 ] && continue
		STATUS=1
		echo "bench: $name: first failures:" >&2
		head -5 "$T/$name.client" | sed 's/^/  /' >&2
	done
}

# proxy_report HAPROXY: the case's lines for the report.
proxy_report() {
	local name

	echo "behind HAProxy ($("$1" -v | sed -n '1s/ - .*//p')), the same" \
	    "load through it to sockbridge:"
	printf '%-24s %7s %6s %6s %6s %6s  %s\n' path conn/s p50_ms p99_ms \
	    cpu_us failed "bridge, HAProxy server line"
	for name in haproxy-pp haproxy; do
		printf '%-24s %7.0f %6.2f %6.2f %6.0f %6d  %s\n' "$name" \
		    "$(median ${RATES[$name]})" "$(median ${P50S[$name]})" \
		    "$(median ${P99S[$name]})" "$(median ${CPUS[$name]})" \
		    "${FAILED[$name]}" \
		    "$([ $name = haproxy-pp ] &&
		    echo "--proxy-protocol, send-proxy-v2" || echo "plain")"
	done
	target "conn/s with the PROXY header / without (HAProxy in front of both):" \
	    "$(paired haproxy-pp haproxy)" '>=' 0.95
	echo "CPU per connection of the bridge and its handlers, with / without:" \
	    "$(ratio "$(median ${CPUS[haproxy-pp]})" \
	    "$(median ${CPUS[haproxy]})") (lower is better; not a target)"
}

# --- Dead connections: how fast the bridge drains a queue of clients that
# connected and reset (tests/hostile -k reset) while it was stopped, and
# then one live client queued behind them.  A round: SIGSTOP, the dead
# ones, the live one, all queued (ss); SIGCONT, and the time until the
# live client has its reply.  The median of ROUNDS rounds, beside the
# plain connection rate.  It sets DEAD_REPORT and adds failures to STATUS.
DEAD_REPORT=
DEAD=${BENCH_DEAD:-2000}

# listen_queue PORT: connections waiting in the accept queue of PORT.
listen_queue() {
	ss -Hltn "sport = :$1" | awk '{ for (i = 1; i < NF; i++)
	    if ($i == "LISTEN") n += $(i + 1) } END { print n + 0 }'
}

queue_is() {
	[ "$(listen_queue "$1")" -eq "$2" ]
}

dead_case() {
	local port spid round t0 t1 cpid line rates= cpus= c0 c1 gone
	local failed=0 per

	[ "$DEAD" != 0 ] || return 0
	case $DEAD in
	*[!0-9]*) die "BENCH_DEAD=$DEAD: not a number" ;;
	esac
	if ! command -v ss >/dev/null; then
		DEAD_REPORT="dead connections: skipped: ss is not installed"
		return 0
	fi
	[ "$DEAD" -lt "$(cat /proc/sys/net/core/somaxconn)" ] ||
	    die "BENCH_DEAD=$DEAD: not below net.core.somaxconn"
	per=$(((DEAD + THREADS - 1) / THREADS))
	bg "$SOCKBRIDGE" --listen 127.0.0.1:0 --print-address \
	    --backlog "$((per * THREADS + 1))" --max-connections "$LIMIT" \
	    -- "$HANDLER" </dev/null >"$T/dead.out" 2>"$T/dead.err"
	spid=$!
	wait_for 10 has_lines "$T/dead.out" 1 || die "dead: no address"
	port=$(sed -n '1s/.*://p' "$T/dead.out")
	for round in $(seq "$ROUNDS"); do
		wait_for 5 handlers_done "$spid"
		kill -STOP "$spid"
		"$TESTS_BIN/hostile" -p "$port" -k reset -t "$THREADS" \
		    -n "$per" >/dev/null 2>>"$T/dead.client"
		"$CLIENT" -p "$port" -T 60 -m "$MESSAGE" -e "$REPLY" \
		    >/dev/null 2>>"$T/dead.client" &
		cpid=$!
		if ! wait_for 10 queue_is "$port" $((per * THREADS + 1)); then
			echo "bench: dead: only $(listen_queue "$port") queued" >&2
			failed=$((failed + 1))
		fi
		c0=$(cpu_ticks "$spid")
		t0=${EPOCHREALTIME/./}
		kill -CONT "$spid"
		wait "$cpid" || failed=$((failed + 1))
		t1=${EPOCHREALTIME/./}
		wait_for 5 handlers_done "$spid"
		c1=$(cpu_ticks "$spid")
		rates="$rates $(awk -v n=$((per * THREADS)) -v us=$((t1 - t0)) \
		    'BEGIN { printf "%.0f", n * 1e6 / us }')"
		cpus="$cpus $(awk -v n=$((per * THREADS)) -v t=$((c1 - c0)) \
		    -v hz="$HZ" 'BEGIN { print t * 1e6 / hz / n }')"
		printf 'bench: round %d %-24s drained %d in %d ms\n' "$round" \
		    dead $((per * THREADS)) $(((t1 - t0) / 1000)) >&2
	done
	kill -USR1 "$spid"
	wait_for 5 grep -q '^sockbridge: stats ' "$T/dead.err"
	gone=$(grep '^sockbridge: stats ' "$T/dead.err" | tail -n 1 |
	    sed -n 's/.* gone=\([0-9]*\).*/\1/p')
	kill -TERM "$spid"
	[ "$failed" -eq 0 ] || STATUS=1
	DEAD_REPORT=$(
	echo "dead connections: $((per * THREADS)) clients that connected" \
	    "and reset (tests/hostile -k reset) while the bridge was stopped," \
	    "then one live client behind them; time from SIGCONT to its reply," \
	    "medians of $ROUNDS rounds"
	printf '%-34s %8s %7s %6s\n' "" conn/s cpu_us failed
	printf '%-34s %8.0f %7.0f %6d\n' "dead connections drained" \
	    "$(median $rates)" "$(median $cpus)" "$failed"
	[ -n "${RATES[sockbridge]:-}" ] &&
	    printf '%-34s %8.0f %7.0f\n' "plain connections (table above)" \
	    "$(median ${RATES[sockbridge]})" "$(median ${CPUS[sockbridge]})"
	echo "counted gone by the bridge: ${gone:-none} of" \
	    "$((per * THREADS * ROUNDS)) (none: a bridge without the count;" \
	    "the rest got a handler each)"
	)
}

proxy_case
dead_case

mkdir -p "$(dirname "$RESULTS")"
{
	report
	memory_report
	startup_report
	[ -z "$PROXY_REPORT" ] || printf '\n%s\n' "$PROXY_REPORT"
	[ -z "$DEAD_REPORT" ] || printf '\n%s\n' "$DEAD_REPORT"
} | tee "$RESULTS"
echo "bench: saved in $RESULTS" >&2

for name in $RUN; do
	[ "${FAILED[$name]}" -eq 0 ] && continue
	STATUS=1
	echo "bench: $name: first failures:" >&2
	head -5 "$T/$name.client" | sed 's/^/  /' >&2
done
exit $STATUS
