/*
 * quiesce.c: how a stopping bridge lets go of its listeners without
 * resetting a client that has already connected.
 *
 * Closing a listening socket resets every client in its accept queue:
 * clients whose handshake completed, who may have sent their request.  So
 * on the bridge's own listeners (--listen) a stop first makes sure that
 * no new connection completes, then the serving loop takes what is
 * queued (a handler each while slots and the drain allow, the refusal
 * line after the drain's cut-off), and a listener is closed as soon as
 * nobody is left in it:
 *
 *   TCP    a classic BPF socket filter drops SYNs; late clients
 *          retransmit, and get ECONNREFUSED once the socket is closed.
 *          (shutdown(SHUT_RD) would reset the queue on TCP.)  It closes
 *          once its accept queue is empty, which TCP_INFO tells without
 *          accepting (so also while every handler slot is taken), and no
 *          handshake begun before the filter is still under way: the
 *          kernel lists those, SYN_RECV, in /proc/net/tcp{,6}.  A peer
 *          gets QUIESCE_HANDSHAKE_MS to complete one (QUIESCE_SETTLE_MS
 *          where /proc cannot be read).  Where the filter is not allowed
 *          (some kernels want CAP_NET_ADMIN for it), the backlog is cut
 *          to the least, listen(fd, 0): a queue with anyone in it takes
 *          no one more, and an empty one just one, which is taken; one
 *          that completes between the last accept() and the close is
 *          reset.
 *   unix   the socket file is removed, then shutdown(SHUT_RD) refuses
 *          new connects and leaves the queue to accept (an abstract
 *          name, which cannot be removed, gets the shutdown alone).  It
 *          closes once accept() finds nobody: no call tells the length
 *          of its queue, and poll() says "readable" after the shutdown.
 *
 * With --reuseport and net.ipv4.tcp_migrate_req=1 the kernel also hands
 * the handshakes still under way when a listener closes to another
 * listener of its group.  The queue itself is always taken first: a
 * snapshot of who else listens could not tell that the others are
 * stopping too, and the last to close would reset what it was handed.
 *
 * Inherited listeners are closed at once, as before: the activator keeps
 * its own copy, and the clients queued there wait for the next bridge.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/filter.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "log.h"
#include "quiesce.h"

#define MIGRATE_SYSCTL	"/proc/sys/net/ipv4/tcp_migrate_req"

static void	quiesce_one(struct listeners *, struct listener *, long long);
static int	drop_syns(int);
static int	handshakes_over(const struct listener *, long long);
static int	accept_queue_empty(int);
static int	handshakes_under_way(int);
static int	proc_net_count(const char *, const char *, int, const char *);
static int	local_key(int, char *, size_t, char *, size_t,
		    const char **);

/*
 * At start-up, with --reuseport: a notice when the kernel does not move
 * a closing listener's handshakes to the rest of its group.
 */
void
quiesce_init(const struct listeners *ls, int reuseport)
{
	FILE *f;
	int c = '0';

	if (!reuseport || ls->origin != FROM_LISTEN)
		return;
	if ((f = fopen(MIGRATE_SYSCTL, "re")) != NULL) {
		c = getc(f);
		fclose(f);
	}
	if (c != '1')
		log_info("--reuseport: net.ipv4.tcp_migrate_req is not 1: "
		    "a handshake still under way when a stopping bridge "
		    "closes its socket is reset, not handed to the group");
}

/* The stop: every listener stops taking new connections. */
void
quiesce_start(struct listeners *ls, long long now)
{
	size_t i;

	listeners_remove_files(ls);	/* first: nobody finds them now */
	for (i = 0; i < ls->n; i++)
		if (ls->l[i].fd != -1)
			quiesce_one(ls, &ls->l[i], now);
}

static void
quiesce_one(struct listeners *ls, struct listener *l, long long now)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (l->quiet)		/* SIGTERM after an idle stop: done already */
		return;
	l->quiet = 1;
	l->quiet_since = now;
	if (ls->origin != FROM_LISTEN ||
	    getsockname(l->fd, (struct sockaddr *)&ss, &len) == -1) {
		quiesce_close(l);
		return;
	}
	l->family = ss.ss_family;
	if (l->family == AF_UNIX) {
		if (shutdown(l->fd, SHUT_RD) == -1)
			log_error("shutdown of a unix listener: %s",
			    strerror(errno));
	} else if (drop_syns(l->fd) == -1) {
		/*
		 * Some kernels want CAP_NET_ADMIN: the next best thing, as a
		 * matter of course for a service without privileges, so no
		 * log line.
		 */
		listen(l->fd, 0);
	}
}

/*
 * Has listener l nobody left?  accept_found_none: accept() has just
 * found its queue empty.  Never while the drain lasts: then the caller
 * closes whoever is left.
 */
int
quiesce_done(const struct listener *l, int accept_found_none, long long now)
{
	if (l->family == AF_UNIX)
		return accept_found_none;
	/* again after /proc is read: a handshake may complete meanwhile */
	return accept_queue_empty(l->fd) && handshakes_over(l, now) &&
	    accept_queue_empty(l->fd);
}

void
quiesce_close(struct listener *l)
{
	close(l->fd);
	l->fd = -1;
}

/* How many listeners are still open. */
int
quiesce_open(const struct listeners *ls)
{
	size_t i;
	int n = 0;

	for (i = 0; i < ls->n; i++)
		if (ls->l[i].fd != -1)
			n++;
	return n;
}

/*
 * When to look again (ms), or -1: a TCP listener left open is looked at
 * every QUIESCE_RECHECK_MS, as nothing wakes us when its last handshake
 * completes or its queue empties into another process.  A unix one waits
 * for a handler slot: the end of a handler wakes the loop.
 */
long long
quiesce_next_due(const struct listeners *ls, long long now)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (ls->l[i].fd != -1 && ls->l[i].quiet &&
		    ls->l[i].family != AF_UNIX)
			return now + QUIESCE_RECHECK_MS;
	return -1;
}

/*
 * A filter that drops a TCP segment with SYN set and ACK clear: a new
 * connection's first segment.  The filter sees the TCP header at offset
 * 0; byte 13 holds the flags.  The ACKs that complete handshakes already
 * under way pass.  Needs no privilege.
 */
static int
drop_syns(int fd)
{
	static struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),	/* SYN, ACK */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x02, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),			/* drop */
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),		/* keep */
	};
	struct sock_fprog prog = { nitems(code), code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog));
}

/* No handshake begun before the stop is under way, or its time is up. */
static int
handshakes_over(const struct listener *l, long long now)
{
	int n;

	if (now >= l->quiet_since + QUIESCE_HANDSHAKE_MS)
		return 1;
	if ((n = handshakes_under_way(l->fd)) == -1)
		return now >= l->quiet_since + QUIESCE_SETTLE_MS;
	return n == 0;
}

/* On a listening TCP socket, tcpi_unacked is the accept queue's length. */
static int
accept_queue_empty(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return 1;	/* cannot tell: accept() has found none */
	return ti.tcpi_unacked == 0;
}

/*
 * How many connections to fd's port are in SYN_RECV (state 03 in
 * /proc/net/tcp{,6}, which lists every socket of this network namespace):
 * to its address, or to any if it listens on every one.  -1: unknown.
 */
static int
handshakes_under_way(int fd)
{
	const char *table;
	char addr[40], port[8];

	if (local_key(fd, addr, sizeof(addr), port, sizeof(port),
	    &table) == -1)
		return -1;
	return proc_net_count(table, addr, strspn(addr, "0") == strlen(addr),
	    port);
}

/* Lines of table in state 03 whose local address is addr:port. */
static int
proc_net_count(const char *table, const char *addr, int any_addr,
    const char *port)
{
	char line[512], local[64], state[8], *colon;
	FILE *f;
	int n = 0;

	if ((f = fopen(table, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%*s %63s %*s %7s", local, state) != 2 ||
		    strcmp(state, "03") != 0 ||
		    (colon = strchr(local, ':')) == NULL)
			continue;
		*colon = '\0';
		if (strcmp(colon + 1, port) == 0 &&
		    (any_addr || strcmp(local, addr) == 0))
			n++;
	}
	fclose(f);
	return n;
}

/*
 * fd's local address and port as /proc/net/tcp{,6} prints them: the
 * address's 32-bit words in hex as they lie in memory, the port in hex.
 */
static int
local_key(int fd, char *addr, size_t addrsize, char *port, size_t portsize,
    const char **table)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len = sizeof(ss);
	uint32_t w[4];

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (ss.ss_family == AF_INET) {
		*table = "/proc/net/tcp";
		snprintf(addr, addrsize, "%08X", sin->sin_addr.s_addr);
		snprintf(port, portsize, "%04X", ntohs(sin->sin_port));
		return 0;
	}
	if (ss.ss_family != AF_INET6)
		return -1;
	*table = "/proc/net/tcp6";
	memcpy(w, &sin6->sin6_addr, sizeof(w));
	snprintf(addr, addrsize, "%08X%08X%08X%08X", w[0], w[1], w[2], w[3]);
	snprintf(port, portsize, "%04X", ntohs(sin6->sin6_port));
	return 0;
}
