/*
 * check_notify: what reaches NOTIFY_SOCKET is the state given, whole, and
 * MAINPID: for READY=1 and for the longest STATUS= the counters can make.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <check.h>
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

/* A datagram socket for the bridge to tell, named in NOTIFY_SOCKET. */
static void
setup(void)
{
	struct sockaddr_un sun;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	ck_assert_int_ne(sock = socket(AF_UNIX, SOCK_DGRAM, 0), -1);
	ck_assert_int_eq(bind(sock, (struct sockaddr *)&sun, sizeof(sun)), 0);
	setenv("NOTIFY_SOCKET", path, 1);
	notify_init();
	ck_assert(notify_enabled());
}

static void
teardown(void)
{
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
	suite_add_tcase(s, tc);
	return check_run(s);
}
