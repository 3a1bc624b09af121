/*
 * check_notify: what reaches NOTIFY_SOCKET is the state given, whole, and
 * MAINPID: for READY=1 and for the longest STATUS= the counters can make.
 * A receiver that does not read never holds the bridge up: its states
 * wait, in order, and go once it has room; STATUS= only the latest.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"
#include "stats.h"
#include "check_run.h"

static char dir[] = "/tmp/check_notify.XXXXXX";
static char path[sizeof(dir) + 16];
static int sock = -1;
static struct sockaddr_un sun;

/* A datagram socket for the bridge to tell, named in NOTIFY_SOCKET. */
static void
setup(void)
{
	int one = 1;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	ck_assert_int_ne(sock = socket(AF_UNIX, SOCK_DGRAM, 0), -1);
	/* the smallest buffer (Linux limits the queue by length too) */
	ck_assert_int_eq(setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &one,
	    sizeof(one)), 0);
	ck_assert_int_eq(bind(sock, (struct sockaddr *)&sun, sizeof(sun)), 0);
	setenv("NOTIFY_SOCKET", path, 1);
	notify_init();
	ck_assert(notify_enabled());
}

static void
teardown(void)
{
	if (sock != -1)
		close(sock);
	unlink(path);
	rmdir(dir);
}

/* The next datagram is exactly state "\nMAINPID=" our pid. */
static void
expect(const char *state)
{
	char got[4096], want[4096];
	ssize_t n;

	snprintf(want, sizeof(want), "%s\nMAINPID=%ld", state, (long)getpid());
	n = recv(sock, got, sizeof(got) - 1, MSG_DONTWAIT);
	ck_assert_int_ge(n, 0);
	got[n] = '\0';
	ck_assert_str_eq(got, want);
}

/*
 * Fill the receiver's queue, as a service manager that does not read
 * would have it: datagrams until a new socket's first one is refused.
 * Linux holds net.unix.max_dgram_qlen of them (and each sender's own
 * buffer also counts what it sent, hence a new sender when one is full).
 * Returns how many went in.
 */
static int
fill(void)
{
	int n = 0, s, first;

	for (;;) {
		ck_assert_int_ne(s = socket(AF_UNIX, SOCK_DGRAM, 0), -1);
		for (first = 1;; first = 0) {
			if (sendto(s, "x", 1, MSG_DONTWAIT,
			    (struct sockaddr *)&sun, sizeof(sun)) == -1)
				break;
			n++;
		}
		ck_assert_msg(errno == EAGAIN, "%s", strerror(errno));
		close(s);
		if (first)
			return n;
		ck_assert_int_lt(n, 1000000);
	}
}

/* Read n of the datagrams fill sent, and make sure that is what they are. */
static void
take(int n)
{
	char got[64];

	while (n-- > 0) {
		ck_assert_int_eq(recv(sock, got, sizeof(got), MSG_DONTWAIT), 1);
		ck_assert_int_eq(got[0], 'x');
	}
}

/* Nothing more has come. */
static void
nothing_more(void)
{
	char got[64];

	ck_assert_int_eq(recv(sock, got, sizeof(got), MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, EAGAIN);
}

/*
 * A full queue does not hold notify_send up (a Check timeout ends the
 * test if it blocks), and READY=1 is not lost: it goes on the first
 * flush after the receiver read its queue.
 */
START_TEST(full_queue_never_blocks)
{
	int n;

	n = fill();
	printf("check_notify: the receiver's queue took %d datagrams\n", n);
	notify_send("READY=1");
	ck_assert(notify_waiting());
	notify_flush();			/* still no room: it keeps waiting */
	ck_assert(notify_waiting());
	take(n);
	nothing_more();
	notify_flush();
	ck_assert(!notify_waiting());
	expect("READY=1");
	nothing_more();
	ck_assert_uint_eq(notify_status_dropped(), 0);
}
END_TEST

/*
 * Every state waits, in order, and goes as room comes, one datagram a
 * place; of the STATUS= given meanwhile only the latest goes, after
 * them, and the ones it replaced are counted.
 */
START_TEST(kept_in_order_status_coalesced)
{
	int n;

	n = fill();
	notify_send("READY=1");
	notify_send("STATUS=a");
	notify_send("STOPPING=1");
	notify_send("STATUS=b");
	notify_send("STATUS=c");
	ck_assert_uint_eq(notify_status_dropped(), 2);
	take(1);			/* room for one */
	notify_flush();
	ck_assert(notify_waiting());
	take(n - 1);
	expect("READY=1");
	nothing_more();
	notify_flush();
	ck_assert(!notify_waiting());
	expect("STOPPING=1");
	expect("STATUS=c");
	nothing_more();
	ck_assert_uint_eq(notify_status_dropped(), 2);
}
END_TEST

/* With room, each goes at once, STATUS= too, and nothing waits. */
START_TEST(room_sends_at_once)
{
	notify_send("STATUS=1 handler");
	ck_assert(!notify_waiting());
	expect("STATUS=1 handler");
	notify_send("STATUS=2 handlers");
	expect("STATUS=2 handlers");
	ck_assert_uint_eq(notify_status_dropped(), 0);
}
END_TEST

/* A state that waits goes before the next one given, flush or not. */
START_TEST(waiting_goes_first)
{
	int n;

	n = fill();
	notify_send("READY=1");
	take(n);
	notify_send("STATUS=1 handler");
	ck_assert(!notify_waiting());
	expect("READY=1");
	expect("STATUS=1 handler");
	nothing_more();
}
END_TEST

/* Nobody at NOTIFY_SOCKET: logged, not kept for ever. */
START_TEST(no_receiver)
{
	close(sock);
	sock = -1;
	unlink(path);
	notify_send("READY=1");
	ck_assert(!notify_waiting());
}
END_TEST

START_TEST(short_state)
{
	notify_send("READY=1");
	expect("READY=1");
}
END_TEST

/* A bridge that has served for long: every counter at its largest. */
START_TEST(longest_status)
{
	struct stats st;
	char status[256];

	memset(&st, 0, sizeof(st));
	st.accepted = st.refused = st.denied = st.rate_limited = ULLONG_MAX;
	st.gone = ULLONG_MAX;
	st.running = st.max_running = 100000;
	stats_status(&st, status, sizeof(status));
	ck_assert_uint_lt(strlen(status), sizeof(status) - 1);
	notify_send(status);
	expect(status);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("notify");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, short_state);
	tcase_add_test(tc, longest_status);
	tcase_add_test(tc, full_queue_never_blocks);
	tcase_add_test(tc, kept_in_order_status_coalesced);
	tcase_add_test(tc, room_sends_at_once);
	tcase_add_test(tc, waiting_goes_first);
	tcase_add_test(tc, no_receiver);
	suite_add_tcase(s, tc);
	return check_run(s);
}
