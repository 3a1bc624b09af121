#!/bin/sh
# tests/fuzz/run.sh: what make fuzz runs.  Builds every target with clang,
# libFuzzer, ASan and UBSan (the library sources again, with
# -fsanitize=fuzzer-no-link, in tests/fuzz-build of the build tree; the
# normal build is left alone), then runs each for FUZZ_SECONDS on a copy
# of its seed corpus, tests/fuzz/corpus/NAME.  Fails on a crash, a failed
# property, a leak, a timeout or undefined behaviour; prints, per target,
# libFuzzer's last line (runs, coverage, features, corpus).
#
#   run.sh SRCDIR 'LIBRARY SOURCES' NAME...
# with CLANG, AR, FUZZ_SECONDS, LIBBSD_CFLAGS, LIBBSD_LIBS and LIBS from
# make.
set -u
srcdir=$1
sources=$2
shift 2
out=tests/fuzz-build

if [ -z "${CLANG:-}" ]; then
	echo "make fuzz: configure found no clang (Debian: apt-get install" \
	    "clang libclang-rt-14-dev), or give CLANG=/path/to/clang" >&2
	exit 1
fi
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer -Wall -Wextra -I. -I$srcdir/src
    -I$srcdir/tests/fuzz $LIBBSD_CFLAGS"

# stale FILE DEPENDENCY...: FILE is missing or older than one of them.
stale() {
	target=$1
	shift
	[ -f "$target" ] || return 0
	for dep in "$@"; do
		[ "$dep" -nt "$target" ] && return 0
	done
	return 1
}

# Rebuilt when a header or config.h changes: they are few and small.
headers="config.h $(ls "$srcdir"/src/*.h) $srcdir/tests/fuzz/fuzz.h"
mkdir -p "$out/obj" || exit 1
objs=
for src in $sources; do
	case $src in
	*.c) ;;
	*) continue ;;
	esac
	obj=$out/obj/$(basename "$src" .c).o
	objs="$objs $obj"
	if stale "$obj" "$srcdir/$src" $headers; then
		echo "  CC (fuzz) $src"
		$CLANG $cflags $san -fsanitize=fuzzer-no-link -c \
		    -o "$obj" "$srcdir/$src" || exit 1
	fi
done
lib=$out/libsockbridge-fuzz.a
if stale "$lib" $objs; then
	rm -f "$lib"
	${AR:-ar} cr "$lib" $objs || exit 1
fi
for name in "$@"; do
	bin=$out/fuzz_$name
	if stale "$bin" "$srcdir/tests/fuzz/fuzz_$name.c" "$lib" $headers; then
		echo "  CCLD (fuzz) $bin"
		$CLANG $cflags $san -fsanitize=fuzzer -o "$bin" \
		    "$srcdir/tests/fuzz/fuzz_$name.c" "$lib" $LIBBSD_LIBS \
		    ${LIBS:-} || exit 1
	fi
done

failed=
for name in "$@"; do
	work=$out/work/$name
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/crashes" || exit 1
	# a copy: libFuzzer adds to its corpus, and srcdir may be read-only
	cp "$srcdir/tests/fuzz/corpus/$name"/* "$work/corpus/" || exit 1
	chmod -R u+w "$work/corpus"
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ASAN_OPTIONS=detect_leaks=1 \
	    "$out/fuzz_$name" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
	    -rss_limit_mb=2048 -error_exitcode=1 -timeout_exitcode=1 \
	    -print_final_stats=1 -artifact_prefix="$work/crashes/" \
	    "$work/corpus" >"$work/log" 2>&1
	status=$?
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE ' "$work/log" | tail -n 1)
	[ -n "$done_line" ] ||
	    done_line=$(grep -E '^#[0-9]+' "$work/log" | tail -n 1)
	if [ "$status" -eq 0 ]; then
		echo "fuzz $name: ${FUZZ_SECONDS}s $done_line"
	else
		echo "FAIL fuzz $name (exit $status): ${done_line:-no runs}"
		tail -n 40 "$work/log"
		echo "(log: $work/log; inputs: $work/crashes/)"
		failed="$failed $name"
	fi
done
if [ -n "$failed" ]; then
	echo "make fuzz: failed:$failed"
	exit 1
fi
echo "make fuzz: $# targets, no failure in ${FUZZ_SECONDS}s each"
