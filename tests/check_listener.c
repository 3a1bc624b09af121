/*
 * check_listener: which descriptors pass as a listener, where the bridge
 * finds them, and how it clears fds 0-2 for the handler.  Check runs each
 * test in a child of its own, so they may move fds 0-2 and set variables.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "listener.h"
#include "check_run.h"

static int
tcp_socket(int type, int do_listen)
{
	struct sockaddr_in sin;
	int fd;

	fd = socket(AF_INET, type, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (do_listen) {
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin,
		    sizeof(sin)), 0);
		ck_assert_int_eq(listen(fd, 5), 0);
	}
	return fd;
}

static int
connected_to(int lfd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd;

	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, len), 0);
	return fd;
}

START_TEST(check_accepts_listeners)
{
	struct sockaddr_un sun;
	int fd;

	ck_assert_ptr_null(listener_check(tcp_socket(SOCK_STREAM, 1)));
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	/* autobind: an abstract name of the kernel's choosing */
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun,
	    sizeof(sa_family_t)), 0);
	ck_assert_int_eq(listen(fd, 5), 0);
	ck_assert_ptr_null(listener_check(fd));
}
END_TEST

START_TEST(check_rejects_the_rest)
{
	int p[2], lfd, fd;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_str_eq(listener_check(p[0]), "not a socket");
	fd = open("/dev/null", O_RDONLY);
	ck_assert_str_eq(listener_check(fd), "not a socket");
	close(fd);
	ck_assert_str_eq(listener_check(fd), "Bad file descriptor");
	ck_assert_str_eq(listener_check(tcp_socket(SOCK_DGRAM, 0)),
	    "not a stream or seqpacket socket");
	ck_assert_str_eq(listener_check(tcp_socket(SOCK_STREAM, 0)),
	    "socket is not listening");
	lfd = tcp_socket(SOCK_STREAM, 1);
	ck_assert_str_eq(listener_check(connected_to(lfd)),
	    "socket is not listening");
}
END_TEST

START_TEST(find_upstart_first_of_list)
{
	struct listener_options opts = { .fd = -1 };
	struct listeners ls;
	char list[32];
	int a, b;

	a = tcp_socket(SOCK_STREAM, 1);
	b = tcp_socket(SOCK_STREAM, 1);
	snprintf(list, sizeof(list), "%d %d", a, b);
	setenv("UPSTART_FDS", list, 1);
	listeners_find(&opts, &ls);
	ck_assert_int_eq(ls.origin, FROM_UPSTART);
	ck_assert_uint_eq(ls.n, 1);
	ck_assert_int_eq(ls.l[0].fd, a);
}
END_TEST

/*
 * systemd's fds are 3 and up, where Check keeps its own pipe: such tests
 * run fn in a child of their own and return its exit status.
 */
static int
in_child(void (*fn)(void))
{
	pid_t pid;
	int status;

	if ((pid = fork()) == 0) {
		fn();
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* A loopback listener at fd target, without Check (whose pipe it hits). */
static void
listener_at(int target)
{
	struct sockaddr_in sin;
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 5) == -1 || dup2(fd, target) != target)
		_exit(2);
	if (fd != target)
		close(fd);
}

static void
systemd_fds(const char *listen_pid)
{
	char pid[16];

	listener_at(3);
	listener_at(4);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("LISTEN_PID", listen_pid != NULL ? listen_pid : pid, 1);
	setenv("LISTEN_FDS", "2", 1);
	setenv("LISTEN_FDNAMES", "web:admin", 1);
	setenv("UPSTART_FDS", "3", 1);
}

/* LISTEN_FDS wins over UPSTART_FDS; --fd-name picks by LISTEN_FDNAMES. */
static void
systemd_by_name(void)
{
	struct listener_options opts = { .fd = -1 };
	struct listeners ls;

	systemd_fds(NULL);
	listeners_find(&opts, &ls);
	if (ls.origin != FROM_SYSTEMD || ls.n != 2)
		_exit(3);
	opts.fd_name = "admin";
	listeners_find(&opts, &ls);
	if (ls.n != 1 || ls.l[0].fd != 4)
		_exit(4);
}

static void
systemd_foreign_pid(void)
{
	struct listener_options opts = { .fd = -1 };
	struct listeners ls;

	systemd_fds("1");
	listeners_find(&opts, &ls);
}

static void
systemd_unknown_name(void)
{
	struct listener_options opts = { .fd = -1, .fd_name = "db" };
	struct listeners ls;

	systemd_fds(NULL);
	listeners_find(&opts, &ls);
}

START_TEST(find_systemd_by_name)
{
	ck_assert_int_eq(in_child(systemd_by_name), 0);
}
END_TEST

START_TEST(find_systemd_refusals)
{
	ck_assert_int_eq(in_child(systemd_foreign_pid), EXIT_MISUSE);
	ck_assert_int_eq(in_child(systemd_unknown_name), EXIT_MISUSE);
}
END_TEST

START_TEST(find_nothing_exits)
{
	struct listener_options opts = { .fd = -1 };
	struct listeners ls;
	int p[2];

	unsetenv("LISTEN_FDS");
	unsetenv("UPSTART_FDS");
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(dup2(p[0], 0), 0);
	listeners_find(&opts, &ls);
}
END_TEST

START_TEST(find_stdin_and_settle)
{
	struct listener_options opts = { .fd = -1 };
	struct listeners ls;
	struct stat st;
	int lfd, fd;

	unsetenv("LISTEN_FDS");
	unsetenv("UPSTART_FDS");
	lfd = tcp_socket(SOCK_STREAM, 1);
	/* as xinetd does: the listener on 0, 1 and 2 */
	for (fd = 0; fd <= 2; fd++)
		ck_assert_int_eq(dup2(lfd, fd), fd);
	close(lfd);
	listeners_find(&opts, &ls);
	ck_assert_int_eq(ls.origin, FROM_STDIN);
	ck_assert_int_eq(ls.l[0].fd, 0);
	listeners_settle(&ls);
	ck_assert_int_gt(ls.l[0].fd, 2);
	ck_assert_ptr_null(listener_check(ls.l[0].fd));
	ck_assert_int_eq(fcntl(ls.l[0].fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	for (fd = 0; fd <= 2; fd++) {
		ck_assert_int_eq(fstat(fd, &st), 0);
		ck_assert(S_ISCHR(st.st_mode));		/* /dev/null */
		ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	}
}
END_TEST

/* A closed stdin must be reopened without close-on-exec. */
START_TEST(settle_reopens_closed_stdio)
{
	struct listener_options opts = { .fd = -1 };
	struct listeners ls;
	struct stat st;
	int lfd;

	lfd = tcp_socket(SOCK_STREAM, 1);
	opts.fd = lfd;
	listeners_find(&opts, &ls);
	close(0);
	listeners_settle(&ls);
	ck_assert_int_eq(fstat(0, &st), 0);
	ck_assert(S_ISCHR(st.st_mode));
	ck_assert_int_eq(fcntl(0, F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_eq(ls.l[0].fd, lfd);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("listener");
	TCase *tc = tcase_create("listener");

	tcase_add_test(tc, check_accepts_listeners);
	tcase_add_test(tc, check_rejects_the_rest);
	tcase_add_test(tc, find_upstart_first_of_list);
	tcase_add_test(tc, find_systemd_by_name);
	tcase_add_test(tc, find_systemd_refusals);
	tcase_add_exit_test(tc, find_nothing_exits, EXIT_MISUSE);
	tcase_add_test(tc, find_stdin_and_settle);
	tcase_add_test(tc, settle_reopens_closed_stdio);
	suite_add_tcase(s, tc);
	return check_run(s);
}
