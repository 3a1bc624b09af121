/*
 * conn.c: describe one accepted connection: its addresses, for a unix
 * socket its peer's credentials, and the environment variables a handler
 * reads them from.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "log.h"

/* Every name conn_describe may set: the environment drops stale copies. */
const char *const conn_var_names[] = {
	"PROTO", "TCPLOCALIP", "TCPLOCALPORT", "TCPLOCALHOST",
	"TCPREMOTEIP", "TCPREMOTEPORT", "TCPREMOTEHOST", "TCPREMOTEINFO",
	"UNIXREMOTEEUID", "UNIXREMOTEEGID", "UNIXREMOTEPID",
	"REMOTE_ADDR", "REMOTE_PORT", "REMOTE_HOST", "TCPCONNNUM", NULL
};

static void	add_var(struct conn_info *, const char *, const char *);
static void	add_number(struct conn_info *, const char *, long);
static void	unix_peer_name(const struct sockaddr_storage *, socklen_t,
		    struct conn_info *);
static int	inet_text(const struct sockaddr_storage *, socklen_t,
		    conn_ifname_fn, char *, size_t, char *, size_t);
static void	scope_text(unsigned int, conn_ifname_fn, char *, size_t);
static int	printable(const char *);

/*
 * Fill ci from the connection's addresses, LOCALLEN and REMOTELEN bytes
 * long as accept(2) and getsockname(2) returned them, and add, for a unix
 * peer, its credentials from SO_PEERCRED.
 */
void
conn_describe(int fd, const struct sockaddr_storage *local, socklen_t locallen,
    const struct sockaddr_storage *remote, socklen_t remotelen,
    struct conn_info *ci)
{
	struct ucred cred;
	socklen_t len;

	conn_addresses(local, locallen, remote, remotelen, if_indextoname, ci);
	if (remote->ss_family != AF_UNIX)
		return;
	len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return;
	ci->uid = cred.uid;
	ci->gid = cred.gid;
	ci->pid = cred.pid;
	add_number(ci, "UNIXREMOTEEUID", ci->uid);
	add_number(ci, "UNIXREMOTEEGID", ci->gid);
	add_number(ci, "UNIXREMOTEPID", ci->pid);
}

/*
 * What the addresses alone say, with no system call but the caller's
 * ifname (if_indextoname(3) for conn_describe), so that the unit tests and
 * the fuzz target can give it any bytes.  An IPv4 client of a dual-stack
 * IPv6 listener (::ffff:a.b.c.d) is shown as the IPv4 client it is.
 */
void
conn_addresses(const struct sockaddr_storage *local, socklen_t locallen,
    const struct sockaddr_storage *remote, socklen_t remotelen,
    conn_ifname_fn ifname, struct conn_info *ci)
{
	char rip[CONN_IP_SIZE], rport[6], lip[CONN_IP_SIZE], lport[6];
	const char *proto;

	memset(ci, 0, sizeof(*ci));
	ci->uid = ci->gid = ci->pid = -1;
	if (remote->ss_family == AF_UNIX) {
		strlcpy(ci->proto, "UNIX", sizeof(ci->proto));
		add_var(ci, "PROTO", "UNIX");
		unix_peer_name(remote, remotelen, ci);
		return;
	}
	/* built in locals: the variables are copies, not views, of ci */
	proto = inet_text(remote, remotelen, ifname, rip, sizeof(rip), rport,
	    sizeof(rport)) ? "TCP6" : "TCP";
	inet_text(local, locallen, ifname, lip, sizeof(lip), lport,
	    sizeof(lport));
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

/*
 * Address and port as text, "?" and "0" for an address too short for its
 * family; returns 1 for a real IPv6 address.
 */
static int
inet_text(const struct sockaddr_storage *ss, socklen_t sslen,
    conn_ifname_fn ifname, char *ip, size_t iplen, char *port,
    size_t portlen)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	size_t len;

	if (ss->ss_family == AF_INET6 && sslen >= sizeof(*sin6) &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], ip, iplen);
		snprintf(port, portlen, "%u", ntohs(sin6->sin6_port));
		return 0;
	}
	if (ss->ss_family == AF_INET6 && sslen >= sizeof(*sin6)) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, iplen);
		len = strlen(ip);
		if (sin6->sin6_scope_id != 0)
			scope_text(sin6->sin6_scope_id, ifname, ip + len,
			    iplen - len);
		snprintf(port, portlen, "%u", ntohs(sin6->sin6_port));
		return 1;
	}
	if (ss->ss_family == AF_INET && sslen >= sizeof(*sin)) {
		inet_ntop(AF_INET, &sin->sin_addr, ip, iplen);
		snprintf(port, portlen, "%u", ntohs(sin->sin_port));
		return 0;
	}
	strlcpy(ip, "?", iplen);
	strlcpy(port, "0", portlen);
	return 0;
}

/*
 * A link-local peer is known only with its interface: fe80::1 on eth0 and
 * fe80::1 on eth1 are two hosts.  "%eth0" as getnameinfo(3) writes it, or
 * "%2" when the interface has no name (it went away since the connection
 * came).  A name that is not all printable ASCII is given by number too:
 * handlers read TCPREMOTEIP, and interface names may hold control bytes.
 */
static void
scope_text(unsigned int scope, conn_ifname_fn ifname, char *out, size_t size)
{
	char name[IF_NAMESIZE];

	if (ifname != NULL && ifname(scope, name) != NULL && printable(name))
		snprintf(out, size, "%%%s", name);
	else
		snprintf(out, size, "%%%u", scope);
}

/* Is s non-empty printable ASCII without a space? */
static int
printable(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
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
 * The name a unix peer bound its socket to, as long as accept(2) says: a
 * path ends at its NUL (the kernel keeps none inside one), an abstract
 * name (a leading NUL) is every byte after it, NULs included.  A client
 * may choose any bytes it likes; conn_peer_text escapes them.
 */
static void
unix_peer_name(const struct sockaddr_storage *remote, socklen_t remotelen,
    struct conn_info *ci)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)remote;
	size_t len;

	if (remotelen <= offsetof(struct sockaddr_un, sun_path))
		return;
	len = remotelen - offsetof(struct sockaddr_un, sun_path);
	if (len > sizeof(sun->sun_path))
		len = sizeof(sun->sun_path);
	if (sun->sun_path[0] != '\0')
		len = strnlen(sun->sun_path, len);
	memcpy(ci->unix_name, sun->sun_path, len);
	ci->unix_namelen = len;
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

/*
 * The client for the log: 127.0.0.1:4242, [::1]:4242, [fe80::1%eth0]:4242
 * or unix:uid=...,gid=...,pid=...[,path=PATH | ,path=@NAME], every text
 * the peer or the system chose escaped by log_escape.
 */
void
conn_peer_text(const struct conn_info *ci, char *buf, size_t size)
{
	char name[LOG_ESCAPED_SIZE(sizeof(ci->unix_name))];
	char ip[LOG_ESCAPED_SIZE(CONN_IP_SIZE)];
	int abstract;

	if (strcmp(ci->proto, "UNIX") == 0) {
		abstract = ci->unix_namelen > 0 && ci->unix_name[0] == '\0';
		log_escape(name, sizeof(name), ci->unix_name + abstract,
		    ci->unix_namelen - abstract);
		snprintf(buf, size, "unix:uid=%ld,gid=%ld,pid=%ld%s%s%s",
		    ci->uid, ci->gid, ci->pid,
		    ci->unix_namelen > 0 ? ",path=" : "", abstract ? "@" : "",
		    name);
		return;
	}
	log_escape(ip, sizeof(ip), ci->remote_ip, strlen(ci->remote_ip));
	snprintf(buf, size, strcmp(ci->proto, "TCP6") == 0 ? "[%s]:%s" :
	    "%s:%s", ip, ci->remote_port);
}

void
conn_local_text(const struct conn_info *ci, char *buf, size_t size)
{
	char ip[LOG_ESCAPED_SIZE(CONN_IP_SIZE)];

	if (strcmp(ci->proto, "UNIX") == 0) {
		strlcpy(buf, "unix", size);
		return;
	}
	log_escape(ip, sizeof(ip), ci->local_ip, strlen(ci->local_ip));
	snprintf(buf, size, strchr(ci->local_ip, ':') != NULL ? "[%s]:%s" :
	    "%s:%s", ip, ci->local_port);
}
