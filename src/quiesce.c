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
 * its queue is empty:
 *
 *   TCP    a classic BPF socket filter drops SYNs; late clients
 *          retransmit, and get ECONNREFUSED once the socket is closed.
 *          (shutdown(SHUT_RD) would reset the queue on TCP.)  A handshake
 *          already under way gets QUIESCE_SETTLE_MS to complete.
 *   unix   the socket file is removed, then shutdown(SHUT_RD) refuses
 *          new connects and leaves the queue to accept (an abstract
 *          name, which cannot be removed, gets the shutdown alone).
 *
 * With --reuseport and net.ipv4.tcp_migrate_req=1 the kernel hands a
 * closing listener's queue to another listener of its group, so when the
 * group has another member the socket is closed at once: a SYN filter
 * alone would leave the clients whose SYNs hash to us retransmitting
 * until we close.
 *
 * Inherited listeners are closed at once, as before: the activator keeps
 * its own copy, and the clients queued there wait for the next bridge.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
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
static int	group_shared(int);
static int	proc_net_listeners(const char *, const char *);
static int	listener_key(int, char *, size_t, const char **);

/*
 * At start-up: with --reuseport, whether the kernel moves a closing
 * listener's queue to the rest of its group; a notice when it does not.
 */
void
quiesce_init(struct listeners *ls, int reuseport)
{
	FILE *f;
	int c = '0';

	ls->reuseport = reuseport;
	ls->migrate = 0;
	if (!reuseport || ls->origin != FROM_LISTEN)
		return;
	if ((f = fopen(MIGRATE_SYSCTL, "re")) != NULL) {
		c = getc(f);
		fclose(f);
	}
	ls->migrate = c == '1';
	if (!ls->migrate)
		log_info("--reuseport: net.ipv4.tcp_migrate_req is not 1: "
		    "a stopping bridge holds new clients of its group back "
		    "until its queue is taken");
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

	l->settle_until = now;
	if (ls->origin != FROM_LISTEN ||
	    getsockname(l->fd, (struct sockaddr *)&ss, &len) == -1) {
		quiesce_close(l);
		return;
	}
	if (ss.ss_family == AF_UNIX) {
		if (shutdown(l->fd, SHUT_RD) == -1)
			log_error("shutdown of a unix listener: %s",
			    strerror(errno));
		return;
	}
	if (ls->reuseport && ls->migrate && group_shared(l->fd)) {
		quiesce_close(l);	/* its queue moves to the group */
		return;
	}
	if (drop_syns(l->fd) == -1)
		log_error("SO_ATTACH_FILTER on a listener: %s",
		    strerror(errno));
	l->settle_until = now + QUIESCE_SETTLE_MS;
}

/* May listener l close once its queue is empty?  Not while settling. */
int
quiesce_may_close(const struct listener *l, long long now)
{
	return now >= l->settle_until;
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

/* The next end of a settling time (ms), or -1. */
long long
quiesce_next_due(const struct listeners *ls, long long now)
{
	long long due = -1;
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (ls->l[i].fd != -1 && ls->l[i].settle_until > now &&
		    (due == -1 || ls->l[i].settle_until < due))
			due = ls->l[i].settle_until;
	return due;
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

/*
 * Does another socket listen on fd's address and port (a --reuseport
 * group with another member)?  Read from /proc/net/tcp{,6}, where the
 * kernel lists every socket of this network namespace; unreadable (a
 * chroot without /proc): no, and the SYN filter does the work.
 */
static int
group_shared(int fd)
{
	const char *table;
	char key[64];

	if (listener_key(fd, key, sizeof(key), &table) == -1)
		return 0;
	return proc_net_listeners(table, key) > 1;
}

/* How many sockets in table listen (state 0A) on key ("ADDR:PORT"). */
static int
proc_net_listeners(const char *table, const char *key)
{
	char line[512], local[64], state[8];
	FILE *f;
	int n = 0;

	if ((f = fopen(table, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%*s %63s %*s %7s", local, state) == 2 &&
		    strcmp(local, key) == 0 && strcmp(state, "0A") == 0)
			n++;
	fclose(f);
	return n;
}

/*
 * fd's local address as /proc/net/tcp{,6} prints it: the address's 32-bit
 * words in hex, as they lie in memory, then the port.
 */
static int
listener_key(int fd, char *key, size_t size, const char **table)
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
		snprintf(key, size, "%08X:%04X", sin->sin_addr.s_addr,
		    ntohs(sin->sin_port));
		return 0;
	}
	if (ss.ss_family != AF_INET6)
		return -1;
	*table = "/proc/net/tcp6";
	memcpy(w, &sin6->sin6_addr, sizeof(w));
	snprintf(key, size, "%08X%08X%08X%08X:%04X", w[0], w[1], w[2], w[3],
	    ntohs(sin6->sin6_port));
	return 0;
}
