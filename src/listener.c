/*
 * listener.c: find the listening socket(s) the bridge serves, check them,
 * and move them out of the way of the handler's stdin, stdout and stderr.
 *
 * The sockets are shared with the activator, which keeps its own copy and
 * watches it: nothing here changes their file status flags, shuts them
 * down or unlinks them (only a unix socket file we bound ourselves is
 * removed, at exit).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "listener.h"

#define NOT_OURS	"not the socket file the bridge bound"

static void	add_inherited(struct listeners *, int, const char *);
static int	from_systemd(const struct listener_options *,
		    struct listeners *);
static int	from_upstart(struct listeners *);
static int	from_stdin(struct listeners *);
static int	bind_one(int, const struct sockaddr *, socklen_t, int,
		    const char *);
static void	bind_inet(const char *, const struct listen_spec *,
		    const struct listener_options *, struct listeners *);
static void	address_text(const struct sockaddr *, socklen_t, char *,
		    size_t);
static __dead void resolve_failed(const char *, int);
static void	bind_unix(const struct listen_spec *, int, struct listeners *);
static int	stale_socket(const struct sockaddr_un *, socklen_t);
static void	add_unix_listener(struct listeners *, int, const char *);
static int	open_socket_file(const char *, struct stat *, const char **);
static void	add_listener(struct listeners *, int, const char *);
static void	listeners_bind(const char *, const struct listener_options *,
		    struct listeners *);
static int	is_listener(const struct listeners *, int);
static void	find_any(const struct listener_options *, struct listeners *);
static void	check_streams(const struct listeners *);

/* NULL if fd is a listening stream or seqpacket socket, else the reason. */
const char *
listener_check(int fd)
{
	struct stat st;
	socklen_t len;
	int type, listening;

	if (fstat(fd, &st) == -1)
		return strerror(errno);
	if (!S_ISSOCK(st.st_mode))
		return "not a socket";
	len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		return strerror(errno);
	if (type != SOCK_STREAM && type != SOCK_SEQPACKET)
		return "not a stream or seqpacket socket";
	len = sizeof(listening);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == -1)
		return strerror(errno);
	if (!listening)
		return "socket is not listening";
	return NULL;
}

/*
 * Fill ls from the first source that applies: --listen, --fd, LISTEN_FDS,
 * UPSTART_FDS, then a listening socket on fd 0.  Exits with a message
 * naming the source and the value when one is wrong, or when none applies.
 * opts->fd is already a checked number, or -1.
 */
void
listeners_find(const struct listener_options *opts, struct listeners *ls)
{
	find_any(opts, ls);
	if (opts->streams_only)
		check_streams(ls);
}

/*
 * A PROXY header is taken off a byte stream; from a seqpacket record the
 * recv() that takes it would drop the rest of the record, the client's
 * first bytes.  So --proxy-protocol serves stream listeners only.
 */
static void
check_streams(const struct listeners *ls)
{
	socklen_t len;
	size_t i;
	int type;

	for (i = 0; i < ls->n; i++) {
		len = sizeof(type);
		if (getsockopt(ls->l[i].fd, SOL_SOCKET, SO_TYPE, &type,
		    &len) == -1)
			err(EXIT_MISUSE, "fd %d", ls->l[i].fd);
		if (type != SOCK_STREAM)
			errx(EXIT_MISUSE, "fd %d: --proxy-protocol needs a "
			    "stream socket, not a seqpacket one",
			    ls->l[i].fd);
	}
}

static void
find_any(const struct listener_options *opts, struct listeners *ls)
{
	size_t i;

	memset(ls, 0, sizeof(*ls));
	if (opts->nlisten > 0) {
		ls->origin = FROM_LISTEN;
		for (i = 0; i < opts->nlisten; i++)
			listeners_bind(opts->listen[i], opts, ls);
		return;
	}
	if (opts->fd != -1) {
		ls->origin = FROM_FD;
		add_inherited(ls, opts->fd, "--fd");
		return;
	}
	if (from_systemd(opts, ls))
		return;
	if (opts->fd_name != NULL)
		errx(EXIT_MISUSE, "--fd-name needs LISTEN_FDS");
	if (from_upstart(ls) || from_stdin(ls))
		return;
	errx(EXIT_MISUSE, "no listening socket: use --listen or --fd, or "
	    "start me from systemd (LISTEN_FDS), upstart (UPSTART_FDS) or "
	    "inetd/xinetd with wait (fd 0)");
}

static void
add_inherited(struct listeners *ls, int fd, const char *source)
{
	const char *why;

	if ((why = listener_check(fd)) != NULL)
		errx(EXIT_MISUSE, "fd %d (%s): %s", fd, source, why);
	add_listener(ls, fd, NULL);
}

static void
add_listener(struct listeners *ls, int fd, const char *unix_path)
{
	if (ls->n == MAX_LISTENERS)
		errx(EXIT_MISUSE, "more than %d listening sockets",
		    MAX_LISTENERS);
	ls->l[ls->n].fd = fd;
	if (unix_path != NULL)
		strlcpy(ls->l[ls->n].unix_path, unix_path,
		    sizeof(ls->l[ls->n].unix_path));
	ls->n++;
}

/* sd_listen_fds(3): fds 3.. when LISTEN_PID is us; names may pick some. */
static int
from_systemd(const struct listener_options *opts, struct listeners *ls)
{
	const char *nfds, *pid, *names, *name, *why;
	long long n, i;
	size_t len;

	if ((nfds = getenv("LISTEN_FDS")) == NULL)
		return 0;
	if ((pid = getenv("LISTEN_PID")) == NULL)
		errx(EXIT_MISUSE, "LISTEN_FDS is set but LISTEN_PID is not");
	n = parse_number(nfds, 1, MAX_LISTENERS, &why);
	if (why != NULL)
		errx(EXIT_MISUSE, "LISTEN_FDS=%s: number of sockets is %s",
		    nfds, why);
	if (parse_number(pid, 1, INT_MAX, &why) != (long long)getpid())
		errx(EXIT_MISUSE, "LISTEN_PID=%s: %s%s (pid %ld)", pid,
		    why != NULL ? "process id is " : "not this process",
		    why != NULL ? why : "", (long)getpid());
	ls->origin = FROM_SYSTEMD;
	names = getenv("LISTEN_FDNAMES");
	for (i = 0; i < n; i++) {
		name = parse_fd_name(names, i, &len);
		if (opts->fd_name == NULL || (strlen(opts->fd_name) == len &&
		    strncmp(opts->fd_name, name, len) == 0))
			add_inherited(ls, 3 + i, "LISTEN_FDS");
	}
	if (ls->n == 0)
		errx(EXIT_MISUSE, "--fd-name %s: no such name in "
		    "LISTEN_FDNAMES", opts->fd_name);
	return 1;
}

/* upstart-socket-bridge: the fd number it had in init, first of a list. */
static int
from_upstart(struct listeners *ls)
{
	const char *list, *why;
	int fds[MAX_LISTENERS];
	size_t n;

	if ((list = getenv("UPSTART_FDS")) == NULL)
		return 0;
	if (parse_fd_list(list, fds, MAX_LISTENERS, &n, &why) == -1) {
		if (strcmp(why, "empty") == 0)
			errx(EXIT_MISUSE, "UPSTART_FDS is empty");
		errx(EXIT_MISUSE, "UPSTART_FDS=%s: file descriptor number "
		    "is %s", list, why);
	}
	ls->origin = FROM_UPSTART;
	add_inherited(ls, fds[0], "UPSTART_FDS");
	return 1;
}

/* inetd wait, xinetd wait = yes, launchd Wait: the listener on stdin. */
static int
from_stdin(struct listeners *ls)
{
	const char *why;

	if ((why = listener_check(STDIN_FILENO)) == NULL) {
		ls->origin = FROM_STDIN;
		add_listener(ls, STDIN_FILENO, NULL);
		return 1;
	}
	if (strcmp(why, "socket is not listening") == 0)
		errx(EXIT_MISUSE, "fd 0 is a connected socket: run me with "
		    "wait, not nowait");
	/* a datagram service (inetd dgram) is not ours to bridge */
	if (strcmp(why, "not a stream or seqpacket socket") == 0)
		errx(EXIT_MISUSE, "fd 0 (stdin): %s", why);
	return 0;
}

/* --listen ADDRESS: bind and listen ourselves. */
static void
listeners_bind(const char *address, const struct listener_options *opts,
    struct listeners *ls)
{
	struct listen_spec spec;
	const char *why;

	if (parse_listen_address(address, &spec, &why) == -1)
		errx(EXIT_MISUSE, "--listen %s: %s", address, why);
	if (spec.kind == LISTEN_INET)
		bind_inet(address, &spec, opts, ls);
	else
		bind_unix(&spec, opts->backlog, ls);
}

/*
 * Every address the host resolves to is bound (localhost gives 127.0.0.1
 * and ::1), except one whose family this machine lacks (a kernel without
 * IPv6, or without IPv4), wherever it comes in the list, when another works.
 */
static void
bind_inet(const char *address, const struct listen_spec *spec,
    const struct listener_options *opts, struct listeners *ls)
{
	struct addrinfo hints, *res, *ai;
	char name[NI_MAXHOST + NI_MAXSERV + 4];
	size_t before = ls->n;
	int error, fd, one = 1, skipped = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	error = getaddrinfo(*spec->host != '\0' ? spec->host : NULL,
	    spec->port, &hints, &res);
	if (error != 0)
		resolve_failed(address, error);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		address_text(ai->ai_addr, ai->ai_addrlen, name, sizeof(name));
		/* ours alone, so non-blocking: accept() can never hang */
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1 && errno == EAFNOSUPPORT) {
			skipped = errno;
			continue;
		}
		if (fd == -1)
			err(EXIT_TEMPFAIL, "socket %s", name);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (opts->reuseport && setsockopt(fd, SOL_SOCKET,
		    SO_REUSEPORT, &one, sizeof(one)) == -1)
			err(EXIT_TEMPFAIL, "SO_REUSEPORT %s", name);
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			    sizeof(one));
		if (bind_one(fd, ai->ai_addr, ai->ai_addrlen, opts->backlog,
		    name) == -1) {
			/* e.g. ::1 on a machine without IPv6 */
			if (errno != EADDRNOTAVAIL)
				err(EXIT_TEMPFAIL, "bind %s", name);
			skipped = errno;
			warn("bind %s", name);
			close(fd);
			continue;
		}
		add_listener(ls, fd, NULL);
	}
	freeaddrinfo(res);
	if (ls->n == before && skipped != 0) {
		errno = skipped;
		err(EXIT_TEMPFAIL, "--listen %s: no address could be bound",
		    address);
	}
	if (ls->n == before)
		errx(EXIT_TEMPFAIL, "--listen %s: no address could be bound",
		    address);
}

/*
 * A resolver that cannot answer yet (no network or DNS server at boot) is
 * a temporary failure, worth a restart; a name that does not exist is not.
 */
static void
resolve_failed(const char *address, int error)
{
	int temporary;

	if (error == EAI_SYSTEM && errno != 0)
		err(EXIT_TEMPFAIL, "--listen %s", address);
	temporary = error == EAI_AGAIN || error == EAI_MEMORY ||
	    error == EAI_SYSTEM;
	errx(temporary ? EXIT_TEMPFAIL : EXIT_MISUSE, "--listen %s: %s",
	    address, gai_strerror(error));
}

static int
bind_one(int fd, const struct sockaddr *sa, socklen_t len, int backlog,
    const char *name)
{
	if (bind(fd, sa, len) == -1)
		return -1;
	if (listen(fd, backlog) == -1)
		err(EXIT_TEMPFAIL, "listen %s", name);
	return 0;
}

/* 127.0.0.1:80, [::1]:80, /path/to/socket or @name */
static void
address_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (sa->sa_family == AF_UNIX) {
		if (sun->sun_path[0] == '\0')
			snprintf(buf, size, "@%.*s",
			    (int)(len - offsetof(struct sockaddr_un, sun_path) - 1),
			    sun->sun_path + 1);
		else
			strlcpy(buf, sun->sun_path, size);
		return;
	}
	if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		strlcpy(host, "?", sizeof(host));
	snprintf(buf, size, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s",
	    host, serv);
}

/* --print-address: where the bridge listens, once bound (port 0 too). */
void
listeners_print(const struct listeners *ls, FILE *out)
{
	struct sockaddr_storage ss;
	char text[NI_MAXHOST + NI_MAXSERV + 4];
	socklen_t len;
	size_t i;

	for (i = 0; i < ls->n; i++) {
		len = sizeof(ss);
		if (getsockname(ls->l[i].fd, (struct sockaddr *)&ss,
		    &len) == -1)
			err(EXIT_TEMPFAIL, "getsockname");
		address_text((struct sockaddr *)&ss, len, text, sizeof(text));
		fprintf(out, "%s\n", text);
	}
	if (fflush(out) == EOF)
		err(EXIT_TEMPFAIL, "--print-address");
}

/*
 * Is the path a socket file that nobody listens on any more?  Only such a
 * file is replaced: anything else there (a live socket, a regular file)
 * is someone's, and the bind fails as it should.  The probe does not
 * block: a live server whose listen queue is full answers EAGAIN at once,
 * where a blocking connect() would wait for it to accept.
 */
static int
stale_socket(const struct sockaddr_un *sun, socklen_t len)
{
	struct stat st;
	int fd, stale;

	if (lstat(sun->sun_path, &st) == -1 || !S_ISSOCK(st.st_mode))
		return 0;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return 0;
	stale = connect(fd, (const struct sockaddr *)sun, len) == -1 &&
	    errno == ECONNREFUSED;
	close(fd);
	errno = EADDRINUSE;
	return stale;
}

/*
 * A unix path or an abstract name.  A socket file that nobody listens on
 * (left by a bridge that was killed) is replaced; one in use is an error.
 */
static void
bind_unix(const struct listen_spec *spec, int backlog, struct listeners *ls)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd, abstract = spec->kind == LISTEN_UNIX_ABSTRACT;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + abstract, spec->path, strlen(spec->path));
	len = offsetof(struct sockaddr_un, sun_path) + abstract +
	    strlen(spec->path) + !abstract;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		err(EXIT_TEMPFAIL, "socket");
	if (bind_one(fd, (struct sockaddr *)&sun, len, backlog,
	    spec->path) == 0) {
		if (abstract)
			add_listener(ls, fd, NULL);
		else
			add_unix_listener(ls, fd, spec->path);
		return;
	}
	if (errno != EADDRINUSE || abstract || !stale_socket(&sun, len))
		err(EXIT_TEMPFAIL, "bind %s%s", abstract ? "@" : "",
		    spec->path);
	if (unlink(spec->path) == -1 ||
	    bind_one(fd, (struct sockaddr *)&sun, len, backlog,
	    spec->path) == -1)
		err(EXIT_TEMPFAIL, "bind %s", spec->path);
	add_unix_listener(ls, fd, spec->path);
}

/*
 * A socket file just bound: note which file it is, so that --user gives
 * away, and the exit removes, that file and nothing that took its name.
 */
static void
add_unix_listener(struct listeners *ls, int fd, const char *path)
{
	struct listener *l;
	struct stat st;
	const char *why;
	int pfd;

	add_listener(ls, fd, path);
	if ((pfd = open_socket_file(path, &st, &why)) == -1)
		errx(EXIT_TEMPFAIL, "bind %s: %s", path, why);
	close(pfd);
	l = &ls->l[ls->n - 1];
	l->unix_dev = st.st_dev;
	l->unix_ino = st.st_ino;
}

/*
 * The socket file at path, opened without following a symlink (an O_PATH
 * descriptor), if it looks like one bind() just made: a socket, with one
 * link, owned by us.  Else -1, and *why says what is wrong.
 */
static int
open_socket_file(const char *path, struct stat *st, const char **why)
{
	int fd;

	if ((fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		*why = strerror(errno);
		return -1;
	}
	if (fstat(fd, st) == -1) {
		*why = strerror(errno);
		close(fd);
		return -1;
	}
	if (!S_ISSOCK(st->st_mode) || st->st_nlink != 1 ||
	    st->st_uid != geteuid()) {
		*why = NOT_OURS;
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Make room for the handler's fds 0, 1 and 2: a listener there moves to a
 * higher number, and any of 0, 1, 2 that is closed or is a listener (inetd
 * and xinetd pass it on all three) becomes /dev/null, so that accept()
 * never returns 0, 1 or 2 and the handler never gets the listener as
 * stderr.  Listeners are close-on-exec: only the client reaches a handler.
 */
void
listeners_settle(struct listeners *ls)
{
	size_t i;
	int fd, devnull = -1;

	for (i = 0; i < ls->n; i++) {
		if (ls->l[i].fd > STDERR_FILENO) {
			if (fcntl(ls->l[i].fd, F_SETFD, FD_CLOEXEC) == -1)
				err(EXIT_TEMPFAIL, "fd %d", ls->l[i].fd);
			continue;
		}
		fd = fcntl(ls->l[i].fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
		if (fd == -1)
			err(EXIT_TEMPFAIL, "moving fd %d", ls->l[i].fd);
		ls->l[i].fd = fd;
	}
	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFD) != -1 && !is_listener(ls, fd))
			continue;
		/* Opened without O_CLOEXEC: it may land on fd itself. */
		if (devnull == -1 &&
		    (devnull = open("/dev/null", O_RDWR)) == -1)
			err(EXIT_TEMPFAIL, "/dev/null");
		if (devnull != fd && dup2(devnull, fd) == -1)
			err(EXIT_TEMPFAIL, "dup2 /dev/null");
	}
	if (devnull > STDERR_FILENO)
		close(devnull);
}

/* Is fd the same socket as one of the listeners? */
static int
is_listener(const struct listeners *ls, int fd)
{
	struct stat st, lst;
	size_t i;

	if (fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode))
		return 0;
	for (i = 0; i < ls->n; i++)
		if (fstat(ls->l[i].fd, &lst) == 0 &&
		    lst.st_dev == st.st_dev && lst.st_ino == st.st_ino)
			return 1;
	return 0;
}

/*
 * Remove the unix socket files the bridge itself created: only a path that
 * still names that file (same device and inode, never a symlink or
 * whatever replaced it) is unlinked.
 */
void
listeners_remove_files(const struct listeners *ls)
{
	const struct listener *l;
	struct stat st;
	size_t i;

	for (i = 0; i < ls->n; i++) {
		l = &ls->l[i];
		if (l->unix_path[0] != '\0' &&
		    lstat(l->unix_path, &st) == 0 && S_ISSOCK(st.st_mode) &&
		    st.st_dev == l->unix_dev && st.st_ino == l->unix_ino)
			unlink(l->unix_path);
	}
}

/*
 * --user: the unix socket files the bridge made become the user's, so
 * that the user's clients may connect and the bridge, once it is that
 * user, may remove them.  Whoever may write to the directory could have
 * put something else there since bind(), a symlink to a file of root's
 * above all: only the file bind() made is changed, through a descriptor
 * that does not follow links.
 */
void
listeners_chown_files(const struct listeners *ls, uid_t uid, gid_t gid)
{
	const struct listener *l;
	struct stat st;
	const char *why;
	size_t i;
	int fd;

	for (i = 0; i < ls->n; i++) {
		l = &ls->l[i];
		if (l->unix_path[0] == '\0')
			continue;
		if ((fd = open_socket_file(l->unix_path, &st, &why)) == -1)
			errx(EXIT_TEMPFAIL, "--user: chown %s: %s",
			    l->unix_path, why);
		if (st.st_dev != l->unix_dev || st.st_ino != l->unix_ino)
			errx(EXIT_TEMPFAIL, "--user: chown %s: %s",
			    l->unix_path, NOT_OURS);
		if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) == -1)
			err(EXIT_TEMPFAIL, "--user: chown %s", l->unix_path);
		close(fd);
	}
}
