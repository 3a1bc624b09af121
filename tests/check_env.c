/* check_env: the handler's environment and the description of a client. */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "conn.h"
#include "env.h"
#include "log.h"
#include "check_run.h"

static char *inherited[] = {
	"PATH=/usr/bin:/bin", "HOME=/home/x", "LISTEN_FDS=1",
	"LISTEN_PID=99", "LISTEN_FDNAMES=web", "NOTIFY_SOCKET=/run/n",
	"UPSTART_FDS=9", "UPSTART_EVENTS=socket", "UPSTART_JOB=socket-test",
	"PROTO=inet", "PORT=34567", "ADDR=127.0.0.1", "TCPREMOTEIP=6.6.6.6",
	"REMOTE_ADDR=6.6.6.6", "UNIXREMOTEPID=1", "LISTEN_FDSX=kept",
	"FOO=bar=baz", NULL
};

/* Is NAME=VALUE (or just NAME, with value NULL) in vars? */
static int
has(char **vars, const char *name, const char *value)
{
	size_t len = strlen(name);

	for (; *vars != NULL; vars++) {
		if (strncmp(*vars, name, len) != 0 || (*vars)[len] != '=')
			continue;
		return value == NULL || strcmp(*vars + len + 1, value) == 0;
	}
	return 0;
}

START_TEST(activator_variables_removed)
{
	struct env env;

	env_init(&env, inherited, 0);
	ck_assert(has(env.vars, "PATH", "/usr/bin:/bin"));
	ck_assert(has(env.vars, "FOO", "bar=baz"));
	ck_assert(has(env.vars, "LISTEN_FDSX", "kept"));
	ck_assert(has(env.vars, "UPSTART_JOB", "socket-test"));
	ck_assert(!has(env.vars, "LISTEN_FDS", NULL));
	ck_assert(!has(env.vars, "LISTEN_PID", NULL));
	ck_assert(!has(env.vars, "LISTEN_FDNAMES", NULL));
	ck_assert(!has(env.vars, "NOTIFY_SOCKET", NULL));
	ck_assert(!has(env.vars, "UPSTART_FDS", NULL));
	ck_assert(!has(env.vars, "UPSTART_EVENTS", NULL));
	ck_assert(!has(env.vars, "PROTO", NULL));
	ck_assert(!has(env.vars, "TCPREMOTEIP", NULL));
	ck_assert(!has(env.vars, "REMOTE_ADDR", NULL));
	ck_assert(!has(env.vars, "UNIXREMOTEPID", NULL));
	/* PORT and ADDR are only upstart's when the socket came from it */
	ck_assert(has(env.vars, "PORT", "34567"));
	ck_assert(has(env.vars, "ADDR", "127.0.0.1"));
	env_free(&env);
}
END_TEST

START_TEST(upstart_event_variables_removed)
{
	struct env env;

	env_init(&env, inherited, 1);
	ck_assert(!has(env.vars, "PORT", NULL));
	ck_assert(!has(env.vars, "ADDR", NULL));
	ck_assert(has(env.vars, "HOME", "/home/x"));
	env_free(&env);
}
END_TEST

static void
inet4(struct sockaddr_storage *ss, const char *ip, int port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin->sin_addr);
}

static void
inet6(struct sockaddr_storage *ss, const char *ip, int port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &sin6->sin6_addr);
}

START_TEST(tcp_client_variables)
{
	struct sockaddr_storage local, remote;
	struct conn_info ci;
	struct env env;
	char **vars;

	inet4(&local, "127.0.0.1", 34567);
	inet4(&remote, "127.0.0.2", 50123);
	conn_describe(-1, &local, sizeof(local), &remote, sizeof(remote), &ci);
	env_init(&env, inherited, 1);
	vars = env_for_conn(&env, &ci);
	ck_assert(has(vars, "PROTO", "TCP"));
	ck_assert(has(vars, "TCPLOCALIP", "127.0.0.1"));
	ck_assert(has(vars, "TCPLOCALPORT", "34567"));
	ck_assert(has(vars, "TCPREMOTEIP", "127.0.0.2"));
	ck_assert(has(vars, "TCPREMOTEPORT", "50123"));
	ck_assert(has(vars, "REMOTE_ADDR", "127.0.0.2"));
	ck_assert(has(vars, "REMOTE_PORT", "50123"));
	ck_assert(has(vars, "HOME", "/home/x"));
	env_free(&env);
}
END_TEST

/* How many entries of vars set name? */
static int
count(char **vars, const char *name)
{
	size_t len = strlen(name);
	int n = 0;

	for (; *vars != NULL; vars++)
		if (strncmp(*vars, name, len) == 0 && (*vars)[len] == '=')
			n++;
	return n;
}

/*
 * No environment the bridge builds names a variable twice: the later
 * entry wins, in the order inherited, client, extra (TCPCONNNUM, a rule's
 * pairs, a header's variables); an inherited name twice keeps its last.
 */
START_TEST(no_name_twice)
{
	static char *twice[] = {
		"A=first", "PATH=/bin", "A=second", "B=inherited",
		"TCPCONNNUM=stale", "A=third", NULL
	};
	char *extra[] = {
		"TCPCONNNUM=1", "B=rule", "PROTO=forged", "C=rule",
		"C=header", "A=extra"
	};
	struct sockaddr_storage local, remote;
	struct conn_info ci;
	struct env env;
	char **vars, name[64];
	size_t i;

	inet4(&local, "127.0.0.1", 34567);
	inet4(&remote, "127.0.0.2", 50123);
	conn_describe(-1, &local, sizeof(local), &remote, sizeof(remote), &ci);
	env_init(&env, twice, 0);
	ck_assert_int_eq(count(env.vars, "A"), 1);
	ck_assert(has(env.vars, "A", "third"));
	ck_assert_int_eq(count(env.vars, "TCPCONNNUM"), 0);
	vars = env_for_conn(&env, &ci);
	ck_assert_int_eq(count(vars, "A"), 1);
	ck_assert(has(vars, "A", "third"));
	ck_assert(has(vars, "PROTO", "TCP"));
	ck_assert_ptr_nonnull(vars = env_for_conn_with(&env, &ci, extra,
	    nitems(extra)));
	for (i = 0; vars[i] != NULL; i++) {
		strlcpy(name, vars[i], sizeof(name));
		name[strcspn(name, "=")] = '\0';
		ck_assert_msg(count(vars, name) == 1, "%s twice", name);
	}
	ck_assert(has(vars, "A", "extra"));
	ck_assert(has(vars, "B", "rule"));
	ck_assert(has(vars, "C", "header"));
	ck_assert(has(vars, "PROTO", "forged"));
	ck_assert(has(vars, "TCPCONNNUM", "1"));
	ck_assert(has(vars, "TCPREMOTEIP", "127.0.0.2"));
	ck_assert(has(vars, "PATH", "/bin"));
	env_free(&env);
}
END_TEST

START_TEST(tcp6_and_mapped_clients)
{
	struct sockaddr_storage local, remote;
	struct conn_info ci;

	inet6(&local, "::1", 80);
	inet6(&remote, "::1", 40000);
	conn_describe(-1, &local, sizeof(local), &remote, sizeof(remote), &ci);
	ck_assert_str_eq(ci.proto, "TCP6");
	ck_assert_str_eq(ci.remote_ip, "::1");
	ck_assert_str_eq(ci.vars[0], "PROTO=TCP6");

	inet6(&local, "::ffff:127.0.0.1", 80);
	inet6(&remote, "::ffff:10.1.2.3", 40000);
	conn_describe(-1, &local, sizeof(local), &remote, sizeof(remote), &ci);
	ck_assert_str_eq(ci.proto, "TCP");
	ck_assert_str_eq(ci.remote_ip, "10.1.2.3");
	ck_assert_str_eq(ci.local_ip, "127.0.0.1");
}
END_TEST

START_TEST(unix_client_credentials)
{
	struct sockaddr_storage local, remote;
	struct conn_info ci;
	struct env env;
	char **vars, num[24];
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(&local, 0, sizeof(local));
	memset(&remote, 0, sizeof(remote));
	local.ss_family = remote.ss_family = AF_UNIX;
	conn_describe(sv[0], &local, sizeof(local), &remote,
	    sizeof(sa_family_t), &ci);
	env_init(&env, inherited, 0);
	vars = env_for_conn(&env, &ci);
	ck_assert(has(vars, "PROTO", "UNIX"));
	snprintf(num, sizeof(num), "%ld", (long)geteuid());
	ck_assert(has(vars, "UNIXREMOTEEUID", num));
	snprintf(num, sizeof(num), "%ld", (long)getegid());
	ck_assert(has(vars, "UNIXREMOTEEGID", num));
	snprintf(num, sizeof(num), "%ld", (long)getpid());
	ck_assert(has(vars, "UNIXREMOTEPID", num));
	ck_assert(!has(vars, "TCPREMOTEIP", NULL));
	env_free(&env);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* Interfaces 2 and 3 have names; 4 a name no handler should see; 5 none. */
static char *
fake_ifname(unsigned int index, char *name)
{
	const char *names[] = { NULL, NULL, "d0", "x=y\\z@w,0123456", "a\033b" };

	if (index >= sizeof(names) / sizeof(names[0]) || names[index] == NULL)
		return NULL;
	strlcpy(name, names[index], IF_NAMESIZE);
	return name;
}

static void
scoped(struct sockaddr_storage *ss, const char *ip, int port,
    unsigned int scope)
{
	inet6(ss, ip, port);
	((struct sockaddr_in6 *)ss)->sin6_scope_id = scope;
}

/* Link-local peers on two interfaces are two peers: the scope is kept. */
START_TEST(ipv6_scope_kept)
{
	struct sockaddr_storage local, remote;
	struct conn_info ci;
	char text[CONN_TEXT_SIZE];

	scoped(&local, "fe80::1", 80, 2);
	scoped(&remote, "fe80::2", 40000, 2);
	conn_addresses(&local, sizeof(struct sockaddr_in6), &remote,
	    sizeof(struct sockaddr_in6), fake_ifname, &ci);
	ck_assert_str_eq(ci.vars[1], "TCPLOCALIP=fe80::1%d0");
	ck_assert_str_eq(ci.vars[3], "TCPREMOTEIP=fe80::2%d0");
	ck_assert_str_eq(ci.vars[5], "REMOTE_ADDR=fe80::2%d0");
	conn_peer_text(&ci, text, sizeof(text));
	ck_assert_str_eq(text, "[fe80::2%d0]:40000");
	conn_local_text(&ci, text, sizeof(text));
	ck_assert_str_eq(text, "[fe80::1%d0]:80");

	/* the longest address and name fit; the log escapes the name */
	scoped(&remote, "febf:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 65535, 3);
	conn_addresses(&local, sizeof(local), &remote, sizeof(remote),
	    fake_ifname, &ci);
	ck_assert_str_eq(ci.vars[3], "TCPREMOTEIP="
	    "febf:ffff:ffff:ffff:ffff:ffff:ffff:fffe%x=y\\z@w,0123456");
	conn_peer_text(&ci, text, sizeof(text));
	ck_assert_str_eq(text, "[febf:ffff:ffff:ffff:ffff:ffff:ffff:fffe"
	    "%x\\075y\\134z\\100w,0123456]:65535");

	/* no name (gone, or not one to show): the number */
	scoped(&remote, "fe80::2", 1, 4);
	conn_addresses(&local, sizeof(local), &remote, sizeof(remote),
	    fake_ifname, &ci);
	ck_assert_str_eq(ci.remote_ip, "fe80::2%4");
	scoped(&remote, "fe80::2", 1, 4294967295U);
	conn_addresses(&local, sizeof(local), &remote, sizeof(remote),
	    fake_ifname, &ci);
	ck_assert_str_eq(ci.remote_ip, "fe80::2%4294967295");
	conn_addresses(&local, sizeof(local), &remote, sizeof(remote), NULL,
	    &ci);
	ck_assert_str_eq(ci.remote_ip, "fe80::2%4294967295");
	scoped(&remote, "2001:db8::1", 1, 0);
	conn_addresses(&local, sizeof(local), &remote, sizeof(remote),
	    fake_ifname, &ci);
	ck_assert_str_eq(ci.remote_ip, "2001:db8::1");
}
END_TEST

/* An address shorter than its family's is not read past its length. */
START_TEST(short_address_unknown)
{
	struct sockaddr_storage local, remote;
	struct conn_info ci;

	inet4(&local, "127.0.0.1", 80);
	inet6(&remote, "::1", 40000);
	conn_addresses(&local, sizeof(struct sockaddr_in), &remote,
	    sizeof(struct sockaddr_in6) - 1, NULL, &ci);
	ck_assert_str_eq(ci.remote_ip, "?");
	ck_assert_str_eq(ci.remote_port, "0");
	ck_assert_str_eq(ci.local_ip, "127.0.0.1");
	conn_addresses(&local, sizeof(struct sockaddr_in) - 1, &remote,
	    sizeof(struct sockaddr_in6), NULL, &ci);
	ck_assert_str_eq(ci.local_ip, "?");
	ck_assert_str_eq(ci.remote_ip, "::1");
}
END_TEST

/* The peer text of a unix client bound to NAME (LEN bytes). */
static const char *
unix_text(const char *name, size_t len, socklen_t extra)
{
	static char text[CONN_TEXT_SIZE];
	struct sockaddr_storage local, remote;
	struct sockaddr_un *sun = (struct sockaddr_un *)&remote;
	struct conn_info ci;

	memset(&local, 0, sizeof(local));
	memset(&remote, 0, sizeof(remote));
	local.ss_family = remote.ss_family = AF_UNIX;
	memcpy(sun->sun_path, name, len);
	conn_addresses(&local, sizeof(sa_family_t), &remote,
	    offsetof(struct sockaddr_un, sun_path) + len + extra, NULL, &ci);
	ck_assert_str_eq(ci.vars[0], "PROTO=UNIX");
	conn_peer_text(&ci, text, sizeof(text));
	return text;
}

/* A unix peer's name, whole and escaped: no field can be added. */
START_TEST(unix_name_whole_and_escaped)
{
	char longest[sizeof(((struct sockaddr_un *)0)->sun_path)], *want;
	size_t i;

	ck_assert_str_eq(unix_text("", 0, 0), "unix:uid=-1,gid=-1,pid=-1");
	ck_assert_str_eq(unix_text("/run/a", 6, 1),	/* with its NUL */
	    "unix:uid=-1,gid=-1,pid=-1,path=/run/a");
	ck_assert_str_eq(unix_text("/run/a", 6, 0),
	    "unix:uid=-1,gid=-1,pid=-1,path=/run/a");
	ck_assert_str_eq(unix_text("x handlers=1 remote=1.2.3.4:5", 29, 1),
	    "unix:uid=-1,gid=-1,pid=-1,path="
	    "x\\040handlers\\0751\\040remote\\0751.2.3.4:5");
	ck_assert_str_eq(unix_text("@x", 2, 1),
	    "unix:uid=-1,gid=-1,pid=-1,path=\\100x");
	ck_assert_str_eq(unix_text("\0x", 2, 0),
	    "unix:uid=-1,gid=-1,pid=-1,path=@x");
	ck_assert_str_eq(unix_text("\0a\0b", 4, 0),
	    "unix:uid=-1,gid=-1,pid=-1,path=@a\\000b");
	ck_assert_str_eq(unix_text("\0\0", 2, 0),
	    "unix:uid=-1,gid=-1,pid=-1,path=@\\000");
	ck_assert_str_eq(unix_text("\0", 1, 0),
	    "unix:uid=-1,gid=-1,pid=-1,path=@");
	/* the longest abstract name, all of it escaped, fits */
	memset(longest, '\n', sizeof(longest));
	longest[0] = '\0';
	want = malloc(CONN_TEXT_SIZE);
	ck_assert_ptr_nonnull(want);
	strlcpy(want, "unix:uid=-1,gid=-1,pid=-1,path=@", CONN_TEXT_SIZE);
	for (i = 1; i < sizeof(longest); i++)
		strlcat(want, "\\012", CONN_TEXT_SIZE);
	ck_assert_str_eq(unix_text(longest, sizeof(longest), 0), want);
	/* a length past sun_path is cut to it */
	ck_assert_str_eq(unix_text(longest, sizeof(longest), 10), want);
	free(want);
}
END_TEST

/* The escaping the manual describes, byte by byte. */
START_TEST(log_escape_alphabet)
{
	char in[256], out[LOG_ESCAPED_SIZE(256)], want[LOG_ESCAPED_SIZE(256)];
	char *w = want;
	int c;

	for (c = 0; c < 256; c++) {
		in[c] = (char)c;
		if (c > ' ' && c < 0x7f && strchr("=@\\", c) == NULL)
			*w++ = (char)c;
		else
			w += snprintf(w, 5, "\\%03o", c);
	}
	*w = '\0';
	ck_assert_str_eq(log_escape(out, sizeof(out), in, sizeof(in)), want);
	/* only whole escapes: 2 of "\n\n\n" fit in 9 bytes, and 2 in 12 */
	ck_assert_str_eq(log_escape(out, 9, "\n\n\n", 3), "\\012\\012");
	ck_assert_str_eq(log_escape(out, 12, "\n\n\n", 3), "\\012\\012");
	ck_assert_str_eq(log_escape(out, 13, "\n\n\n", 3), "\\012\\012\\012");
	ck_assert_str_eq(log_escape(out, 1, "a", 1), "");
	ck_assert_str_eq(log_escape(out, sizeof(out), "", 0), "");
}
END_TEST

/* --max-per-source counts an IPv4 address, an IPv6 /64, or a unix uid. */
START_TEST(per_source_keys)
{
	struct sockaddr_storage a, b;
	struct source sa, sb;
	struct conn_info ci;

	memset(&ci, 0, sizeof(ci));
	inet4(&a, "127.0.0.1", 1000);
	inet4(&b, "127.0.0.1", 2000);
	conn_source(&a, &ci, &sa);
	conn_source(&b, &ci, &sb);
	ck_assert_mem_eq(&sa, &sb, sizeof(sa));		/* port ignored */
	inet4(&b, "127.0.0.2", 1000);
	conn_source(&b, &ci, &sb);
	ck_assert(memcmp(&sa, &sb, sizeof(sa)) != 0);
	inet6(&b, "::ffff:127.0.0.1", 3000);		/* the same client */
	conn_source(&b, &ci, &sb);
	ck_assert_mem_eq(&sa, &sb, sizeof(sa));

	inet6(&a, "2001:db8:1:2::1", 1000);
	inet6(&b, "2001:db8:1:2:ffff::9", 1000);	/* same /64 */
	conn_source(&a, &ci, &sa);
	conn_source(&b, &ci, &sb);
	ck_assert_mem_eq(&sa, &sb, sizeof(sa));
	inet6(&b, "2001:db8:1:3::1", 1000);		/* next /64 */
	conn_source(&b, &ci, &sb);
	ck_assert(memcmp(&sa, &sb, sizeof(sa)) != 0);

	memset(&a, 0, sizeof(a));
	a.ss_family = AF_UNIX;
	ci.uid = 1000;
	conn_source(&a, &ci, &sa);
	ci.uid = 1001;
	conn_source(&a, &ci, &sb);
	ck_assert(memcmp(&sa, &sb, sizeof(sa)) != 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("env");
	TCase *tc = tcase_create("env");

	tcase_add_test(tc, activator_variables_removed);
	tcase_add_test(tc, upstart_event_variables_removed);
	tcase_add_test(tc, tcp_client_variables);
	tcase_add_test(tc, tcp6_and_mapped_clients);
	tcase_add_test(tc, unix_client_credentials);
	tcase_add_test(tc, per_source_keys);
	tcase_add_test(tc, ipv6_scope_kept);
	tcase_add_test(tc, no_name_twice);
	tcase_add_test(tc, short_address_unknown);
	tcase_add_test(tc, unix_name_whole_and_escaped);
	tcase_add_test(tc, log_escape_alphabet);
	suite_add_tcase(s, tc);
	return check_run(s);
}
