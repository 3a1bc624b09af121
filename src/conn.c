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

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <vis.h>

#include "conn.h"

/* Every name conn_describe may set: the environment drops stale copies. */
const char *const conn_var_names[] = {
	"PROTO", "TCPLOCALIP", "TCPLOCALPORT", "TCPLOCALHOST",
	"TCPREMOTEIP", "TCPREMOTEPORT", "TCPREMOTEHOST", "TCPREMOTEINFO",
	"UNIXREMOTEEUID", "UNIXREMOTEEGID", "UNIXREMOTEPID",
	"REMOTE_ADDR", "REMOTE_PORT", "REMOTE_HOST", "TCPCONNNUM", NULL
};

static void	add_var(struct conn_info *, const char *, const char *);
static void	add_number(struct conn_info *, const char *, long);
static void	unix_peer_path(const struct sockaddr_storage *, char *,
		    size_t);
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
		unix_peer_path(remote, ci->unix_path, sizeof(ci->unix_path));
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

/*
 * A unix client may bind its socket to any name it likes, newlines and
 * escape sequences included: it reaches the log only through strvis(3).
 */
static void
unix_peer_path(const struct sockaddr_storage *remote, char *out, size_t size)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)remote;
	char raw[sizeof(sun->sun_path) + 1];
	size_t len;

	len = strnlen(sun->sun_path, sizeof(sun->sun_path));
	if (len == 0 && sun->sun_path[1] != '\0') {
		/* abstract: a leading NUL, shown as '@' */
		raw[0] = '@';
		len = strnlen(sun->sun_path + 1, sizeof(sun->sun_path) - 1);
		memcpy(raw + 1, sun->sun_path + 1, len);
		raw[++len] = '\0';
	} else {
		memcpy(raw, sun->sun_path, len);
		raw[len] = '\0';
	}
	if (size < 4 * len + 1)
		len = (size - 1) / 4;
	raw[len] = '\0';
	/* not VIS_SAFE: it lets \n, \t, \r, \b and \a through unescaped */
	strvis(out, raw, VIS_OCTAL | VIS_CSTYLE | VIS_NL | VIS_TAB);
}

/* See struct source. */
void
conn_source(const struct sockaddr_storage *remote, const struct conn_info *ci,
    struct source *src)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)remote;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)remote;

	memset(src, 0, sizeof(*src));
	src->family = remote->ss_family;
	if (remote->ss_family == AF_INET)
		memcpy(src->key, &sin->sin_addr, 4);
	else if (remote->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		src->family = AF_INET;
		memcpy(src->key, &sin6->sin6_addr.s6_addr[12], 4);
	} else if (remote->ss_family == AF_INET6)
		memcpy(src->key, &sin6->sin6_addr, 8);
	else
		memcpy(src->key, &ci->uid, sizeof(ci->uid) < 8 ?
		    sizeof(ci->uid) : 8);
}

/* The client for the log: 127.0.0.1:4242, [::1]:4242 or unix:uid=...,... */
void
conn_peer_text(const struct conn_info *ci, char *buf, size_t size)
{
	if (strcmp(ci->proto, "UNIX") == 0)
		snprintf(buf, size, "unix:uid=%ld,gid=%ld,pid=%ld%s%s",
		    ci->uid, ci->gid, ci->pid, *ci->unix_path ? ",path=" : "",
		    ci->unix_path);
	else
		snprintf(buf, size, strcmp(ci->proto, "TCP6") == 0 ?
		    "[%s]:%s" : "%s:%s", ci->remote_ip, ci->remote_port);
}

void
conn_local_text(const struct conn_info *ci, char *buf, size_t size)
{
	if (strcmp(ci->proto, "UNIX") == 0)
		strlcpy(buf, "unix", size);
	else
		snprintf(buf, size, strchr(ci->local_ip, ':') != NULL ?
		    "[%s]:%s" : "%s:%s", ci->local_ip, ci->local_port);
}
