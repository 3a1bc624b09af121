/*
 * check_listener: which descriptors pass as a listener, where the bridge
 * finds them, how it clears fds 0-2 for the handler, and that the unix
 * socket file it made, and only that file, is given to --user and removed.
 * Check runs each test in a child of its own, so they may move fds 0-2
 * and set variables.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
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

/*
 * --listen PATH: the bridge binds the socket file; then the tests put
 * something else at PATH, as whoever may write to the directory could
 * between bind() and the chown of --user, or before the bridge exits.
 */
static char top[PATH_MAX], dir[PATH_MAX], sock_path[PATH_MAX];
static char victim[PATH_MAX], errfile[PATH_MAX];
static struct listeners bound;

#define OTHER_UID	65534		/* nobody, usually; any uid will do */

/*
 * The files' tests run in their own directory under top, which the parent
 * makes before and removes after them all, whether they pass or fail.
 */
static void
make_top(void)
{
	const char *tmp = getenv("TMPDIR");

	if (snprintf(top, sizeof(top), "%s/check_listener.XXXXXX",
	    tmp != NULL ? tmp : "/tmp") >= (int)sizeof(top) ||
	    mkdtemp(top) == NULL) {
		perror("check_listener: temporary directory");
		exit(99);
	}
}

static int
remove_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path) == -1 ? -1 : 0;
}

static void
remove_top(void)
{
	nftw(top, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

#define PRINT(buf, ...) \
	ck_assert_int_lt(snprintf(buf, sizeof(buf), __VA_ARGS__), sizeof(buf))

/* --listen PATH in a directory of the test's own. */
static void
bind_path(void)
{
	struct listener_options opts = { .fd = -1, .backlog = 5 };

	PRINT(dir, "%s/test.XXXXXX", top);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	PRINT(sock_path, "%s/s.sock", dir);
	PRINT(victim, "%s/victim", dir);
	PRINT(errfile, "%s/stderr", dir);
	opts.listen[0] = sock_path;
	opts.nlisten = 1;
	listeners_find(&opts, &bound);
	ck_assert_uint_eq(bound.n, 1);
}

/* A file of root's (of ours) that nobody else should get. */
static void
make_victim(void)
{
	int fd;

	fd = open(victim, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "precious\n", 9), 9);
	close(fd);
}

/* Another socket file, bound by us, at PATH in place of the bridge's. */
static int
other_socket_at_path(void)
{
	struct sockaddr_un sun;
	int fd;

	ck_assert_int_eq(unlink(sock_path), 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, sock_path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* In a child, stderr to errfile: listeners_chown_files as for --user. */
static void
chown_to_other(void)
{
	int fd;

	if ((fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1)
		_exit(2);
	listeners_chown_files(&bound, OTHER_UID, OTHER_UID);
}

/* errfile holds one line, and it contains text. */
static void
assert_message(const char *text)
{
	char buf[512];
	ssize_t n;
	int fd;

	fd = open(errfile, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, text));
	ck_assert_ptr_eq(strchr(buf, '\n'), buf + n - 1);
}

static uid_t
owner(const char *path)
{
	struct stat st;

	ck_assert_int_eq(lstat(path, &st), 0);
	return st.st_uid;
}

START_TEST(chown_gives_the_socket_file)
{
	if (geteuid() != 0)
		return;		/* chown to another user needs root */
	bind_path();
	ck_assert_int_eq(in_child(chown_to_other), 0);
	ck_assert_uint_eq(owner(sock_path), OTHER_UID);
}
END_TEST

/* The path is now a symlink to root's file: neither is given away. */
START_TEST(chown_refuses_a_symlink)
{
	char msg[PATH_MAX + 64];

	if (geteuid() != 0)
		return;
	bind_path();
	make_victim();
	ck_assert_int_eq(unlink(sock_path), 0);
	ck_assert_int_eq(symlink(victim, sock_path), 0);
	ck_assert_int_eq(in_child(chown_to_other), EXIT_TEMPFAIL);
	ck_assert_uint_eq(owner(victim), 0);
	ck_assert_uint_eq(owner(sock_path), 0);
	snprintf(msg, sizeof(msg), "--user: chown %s: not the socket file "
	    "the bridge bound", sock_path);
	assert_message(msg);
}
END_TEST

/* A socket, ours, one link: but not the one bound, so not given away. */
START_TEST(chown_refuses_another_socket)
{
	if (geteuid() != 0)
		return;
	bind_path();
	other_socket_at_path();
	ck_assert_int_eq(in_child(chown_to_other), EXIT_TEMPFAIL);
	ck_assert_uint_eq(owner(sock_path), 0);
	assert_message("not the socket file the bridge bound");
}
END_TEST

START_TEST(remove_removes_the_socket_file)
{
	struct stat st;

	bind_path();
	listeners_remove_files(&bound);
	ck_assert_int_eq(lstat(sock_path, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* Whatever took the socket file's name at exit is left alone. */
START_TEST(remove_leaves_a_replacement)
{
	struct stat st;

	bind_path();
	make_victim();
	ck_assert_int_eq(unlink(sock_path), 0);
	ck_assert_int_eq(symlink(victim, sock_path), 0);
	listeners_remove_files(&bound);
	ck_assert_int_eq(lstat(sock_path, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));

	ck_assert_int_eq(unlink(sock_path), 0);
	ck_assert_int_eq(rename(victim, sock_path), 0);
	listeners_remove_files(&bound);
	ck_assert_int_eq(lstat(sock_path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));

	other_socket_at_path();
	listeners_remove_files(&bound);
	ck_assert_int_eq(lstat(sock_path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("listener");
	TCase *tc = tcase_create("listener"), *files;

	tcase_add_test(tc, check_accepts_listeners);
	tcase_add_test(tc, check_rejects_the_rest);
	tcase_add_test(tc, find_upstart_first_of_list);
	tcase_add_test(tc, find_systemd_by_name);
	tcase_add_test(tc, find_systemd_refusals);
	tcase_add_exit_test(tc, find_nothing_exits, EXIT_MISUSE);
	tcase_add_test(tc, find_stdin_and_settle);
	tcase_add_test(tc, settle_reopens_closed_stdio);
	suite_add_tcase(s, tc);
	files = tcase_create("files");
	tcase_add_unchecked_fixture(files, make_top, remove_top);
	tcase_add_test(files, chown_gives_the_socket_file);
	tcase_add_test(files, chown_refuses_a_symlink);
	tcase_add_test(files, chown_refuses_another_socket);
	tcase_add_test(files, remove_removes_the_socket_file);
	tcase_add_test(files, remove_leaves_a_replacement);
	suite_add_tcase(s, files);
	return check_run(s);
}
