/* check_env: the handler's environment and the description of a client. */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "env.h"
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
	conn_describe(-1, &local, &remote, &ci);
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

START_TEST(tcp6_and_mapped_clients)
{
	struct sockaddr_storage local, remote;
	struct conn_info ci;

	inet6(&local, "::1", 80);
	inet6(&remote, "::1", 40000);
	conn_describe(-1, &local, &remote, &ci);
	ck_assert_str_eq(ci.proto, "TCP6");
	ck_assert_str_eq(ci.remote_ip, "::1");
	ck_assert_str_eq(ci.vars[0], "PROTO=TCP6");

	inet6(&local, "::ffff:127.0.0.1", 80);
	inet6(&remote, "::ffff:10.1.2.3", 40000);
	conn_describe(-1, &local, &remote, &ci);
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
	conn_describe(sv[0], &local, &remote, &ci);
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
	suite_add_tcase(s, tc);
	return check_run(s);
}
