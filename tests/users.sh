# tests/users.sh: for the tests that run something outside the test's own
# reach, sourced after lib.sh (it only defines functions).  Two concerns,
# both about what another process may see of the test's files:
#   - another user (nobody, uid 1234): it must reach the handler scripts,
#     sockets and programs it uses, and must not inherit root's environment;
#   - private mounts: a file of the test's own (hosts, resolv.conf,
#     nsswitch.conf) bind-mounted over /etc in a mount namespace of its own.

# --- Another user (needs root and setpriv).
#
# $T is made by mktemp -d (mode 0700) and may lie under a directory only
# root can enter (a checkout under /root, TMPDIR there).  USERS_DIR is a
# directory every user can reach and list: $T/users when every directory
# on the way to $T may be searched by others (then $T becomes 0711: others
# may pass through it, not list it), else a directory of its own in the
# first such place among /tmp, /var/tmp and /dev/shm.  What another user
# must run, read or connect to goes there.

# world_reachable DIR: every directory from / down to DIR may be searched
# by others (the x bit of "other": ACLs are not looked at).
world_reachable() {
	local d=$1
	while [ -n "$d" ]; do
		case $(stat -L -c %A "$d" 2>/dev/null) in
		d????????[xt]) ;;
		*) return 1 ;;
		esac
		d=${d%/*}
	done
}

users_cleanup() {
	cleanup
	[ "$USERS_DIR" = "$T/users" ] || rm -rf "$USERS_DIR"
}

# users_setup: make USERS_DIR, and srcdir absolute (the tests find their
# helpers through it, often relative: ..), so that a test may work from
# USERS_DIR.
users_setup() {
	local d
	chmod 711 "$T" || exit 99
	if world_reachable "$T"; then
		USERS_DIR=$T/users
		mkdir "$USERS_DIR" || exit 99
	else
		USERS_DIR=
		for d in /tmp /var/tmp /dev/shm; do
			if world_reachable "$d"; then
				USERS_DIR=$(mktemp -d \
				    "$d/sockbridge-users.XXXXXX") || exit 99
				break
			fi
		done
		[ -n "$USERS_DIR" ] ||
		    skip "no directory every user may reach (/tmp, /var/tmp, /dev/shm)"
		trap users_cleanup EXIT
	fi
	chmod 755 "$USERS_DIR" || exit 99
	srcdir=$(cd "${srcdir:-.}" && pwd) || exit 99
}

# for_users PROGRAM: a path of PROGRAM that every user may execute: PROGRAM
# itself when it is reachable, else a copy in USERS_DIR/bin (a build tree
# under /root is not).
for_users() {
	local copy=$USERS_DIR/bin/${1##*/}
	if world_reachable "${1%/*}" && [ -n "$(find "$1" -perm -o+x)" ]; then
		echo "$1"
		return
	fi
	mkdir -p "$USERS_DIR/bin" && chmod 755 "$USERS_DIR/bin" &&
	    cp "$1" "$copy" && chmod 755 "$copy" || return 1
	echo "$copy"
}

# as_user UID GID CMD...: CMD as UID and GID, without supplementary groups,
# in USERS_DIR, with an environment of PATH alone (and the sanitizers'
# options, which name no file): nothing of root's LD_LIBRARY_PATH,
# LD_PRELOAD, HOME or TMPDIR, which may point where the user cannot go.
as_user() {
	local uid=$1 gid=$2
	shift 2
	(
		cd "$USERS_DIR" || exit 99
		exec env -i PATH="$PATH" \
		    ${ASAN_OPTIONS+ASAN_OPTIONS="$ASAN_OPTIONS"} \
		    ${UBSAN_OPTIONS+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
		    setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"
	)
}

# --- Private mounts.
#
# unshare -m makes the namespace's mounts private first (mount --make-rprivate
# /), which fails in a chroot whose / is not a mount point.  There,
# --propagation unchanged works, but then a mount made inside could
# propagate back to the real system (a shared /) and stay there.
# mount_ns_usable DEST... finds out which works, and in the second case
# proves on DEST itself that nothing comes back: each DEST is bind-mounted
# over with a copy of itself (no harm, the same content), then looked at
# from outside.  Sets UNSHARE_M; fails with the reason in WHY_NOT.
UNSHARE_M=
WHY_NOT=
mount_ns_usable() {
	local f before after leaked= lock
	[ -n "$UNSHARE_M" ] && return 0
	if unshare -m true 2>/dev/null; then
		UNSHARE_M='unshare -m'
		return 0
	fi
	# Not root: a user namespace of its own, where the user is root,
	# whose mount namespace never passes mounts back.
	if [ "$(id -u)" -ne 0 ]; then
		if unshare -r -m true 2>/dev/null; then
			UNSHARE_M='unshare -r -m'
			return 0
		fi
		WHY_NOT="not root, and no user namespace (unshare -r -m: $(unshare -r -m true 2>&1))"
		return 1
	fi
	if ! unshare -m --propagation unchanged true 2>/dev/null; then
		WHY_NOT="no mount namespace (unshare -m: $(unshare -m true 2>&1))"
		return 1
	fi
	# One test at a time probes (make -j): /etc held with flock(1).
	exec {lock}</etc && flock "$lock" || {
		WHY_NOT="cannot lock /etc for the mount probe"
		return 1
	}
	for f in "$@"; do
		before=$(stat -L -c %d:%i "$f")
		cp "$f" "$T/probe" &&
		    unshare -m --propagation unchanged \
		    mount --bind "$T/probe" "$f" 2>/dev/null || {
			WHY_NOT="cannot bind-mount over $f in a mount namespace"
			break
		}
		after=$(stat -L -c %d:%i "$f")
		if [ "$before" != "$after" ]; then
			# It came back: undo it here, where it leaked.
			umount "$f"
			leaked=$f
		fi
	done
	exec {lock}<&-
	[ -z "$WHY_NOT" ] || return 1
	if [ -n "$leaked" ]; then
		WHY_NOT="a mount in a mount namespace comes back here, over $leaked (a shared mount that is no mount point here: a chroot?)"
		return 1
	fi
	UNSHARE_M='unshare -m --propagation unchanged'
}

# private_etc [-n] SRC DEST [SRC DEST]... -- CMD...: CMD in a mount
# namespace of its own where each file SRC is bind-mounted over DEST; with
# -n, in a network namespace of its own too, with only loopback, up.
# mount_ns_usable must have succeeded.
private_etc() {
	local net=
	if [ "$1" = -n ]; then
		net=-n
		shift
	fi
	$UNSHARE_M $net sh -c '
	    net=$1
	    shift
	    if [ -n "$net" ]; then ip link set lo up || exit 1; fi
	    while [ "$1" != -- ]; do
		mount --bind "$1" "$2" || exit 1
		shift 2
	    done
	    shift
	    exec "$@"' sh "$net" "$@"
}
