/*
 * conn.c: describe one accepted connection: its addresses, for a unix
 * socket its peer's credentials, and the environment variables a handler
 * reads them from.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "conn.h"

/* Every name conn_describe may set: the environment drops stale copies. */
const char *const conn_var_names[] = {
	"PROTO", "TCPLOCALIP", "TCPLOCALPORT", "TCPLOCALHOST",
	"TCPREMOTEIP", "TCPREMOTEPORT", "TCPREMOTEHOST", "TCPREMOTEINFO",
	"UNIXREMOTEEUID", "UNIXREMOTEEGID", "UNIXREMOTEPID",
	"REMOTE_ADDR", "REMOTE_PORT", NULL
};

static void	add_var(struct conn_info *, const char *, const char *);
static void	add_number(struct conn_info *, const char *, long);
static int	inet_text(const struct sockaddr_storage *, char *, size_t,
		    char *, size_t);

/*
 * Fill ci from the connection's addresses.  An IPv4 client of a dual-stack
 * IPv6 listener (::ffff:a.b.c.d) is shown as the IPv4 client it is.
 */
void
conn_describe(int fd, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, struct conn_info *ci)
{
	struct ucred cred;
	socklen_t len;
	char rip[INET6_ADDRSTRLEN], rport[6], lip[INET6_ADDRSTRLEN], lport[6];
	const char *proto;

	memset(ci, 0, sizeof(*ci));
	ci->uid = ci->gid = ci->pid = -1;
	if (remote->ss_family == AF_UNIX) {
		strlcpy(ci->proto, "UNIX", sizeof(ci->proto));
		add_var(ci, "PROTO", "UNIX");
		len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
			return;
		ci->uid = cred.uid;
		ci->gid = cred.gid;
		ci->pid = cred.pid;
		add_number(ci, "UNIXREMOTEEUID", ci->uid);
		add_number(ci, "UNIXREMOTEEGID", ci->gid);
		add_number(ci, "UNIXREMOTEPID", ci->pid);
		return;
	}
	/* built in locals: the variables are copies, not views, of ci */
	proto = inet_text(remote, rip, sizeof(rip), rport, sizeof(rport)) ?
	    "TCP6" : "TCP";
	inet_text(local, lip, sizeof(lip), lport, sizeof(lport));
	strlcpy(ci->proto, proto, sizeof(ci->proto));
	strlcpy(ci->remote_ip, rip, sizeof(ci->remote_ip));
	strlcpy(ci->remote_port, rport, sizeof(ci->remote_port));
	strlcpy(ci->local_ip, lip, sizeof(ci->local_ip));
	strlcpy(ci->local_port, lport, sizeof(ci->local_port));
	add_var(ci, "PROTO", proto);
	add_var(ci, "TCPLOCALIP", lip);
	add_var(ci, "TCPLOCALPORT", lport);
	add_var(ci, "TCPREMOTEIP", rip);
	add_var(ci, "TCPREMOTEPORT", rport);
	add_var(ci, "REMOTE_ADDR", rip);
	add_var(ci, "REMOTE_PORT", rport);
}

/* Address and port as text; returns 1 for a real IPv6 address. */
static int
inet_text(const struct sockaddr_storage *ss, char *ip, size_t iplen,
    char *port, size_t portlen)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], ip, iplen);
		snprintf(port, portlen, "%u", ntohs(sin6->sin6_port));
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, iplen);
		snprintf(port, portlen, "%u", ntohs(sin6->sin6_port));
		return 1;
	}
	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, ip, iplen);
		snprintf(port, portlen, "%u", ntohs(sin->sin_port));
		return 0;
	}
	strlcpy(ip, "?", iplen);
	strlcpy(port, "0", portlen);
	return 0;
}

static void
add_var(struct conn_info *ci, const char *name, const char *value)
{
	if (ci->nvars == CONN_MAX_VARS)
		return;
	snprintf(ci->vars[ci->nvars++], sizeof(ci->vars[0]), "%s=%s",
	    name, value);
}

static void
add_number(struct conn_info *ci, const char *name, long value)
{
	char num[24];

	snprintf(num, sizeof(num), "%ld", value);
	add_var(ci, name, num);
}
