/*
 * check_rules: access rules (--allow, --deny, --rules FILE): what each
 * client matches, the default, and the exact error for each bad line.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cidr.h"
#include "compat.h"
#include "conn.h"
#include "proxied.h"
#include "rules.h"
#include "check_run.h"

#define DIR_TEMPLATE	"/tmp/check_rules.XXXXXX"

static char	dir[sizeof(DIR_TEMPLATE)];
static char	path[sizeof(dir) + 16];
static char	err[512];

static void
inet4(struct sockaddr_storage *ss, const char *ip)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
}

static void
inet6(struct sockaddr_storage *ss, const char *ip)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1);
}

/* The name of the rule an IP client matches, or "default". */
static const char *
match_ip(const struct rules *r, const char *ip)
{
	struct sockaddr_storage ss;

	if (strchr(ip, ':') != NULL)
		inet6(&ss, ip);
	else
		inet4(&ss, ip);
	return rules_name(rules_match(r, &ss, -1, -1));
}

static const char *
match_unix(const struct rules *r, long uid, long gid)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	return rules_name(rules_match(r, &ss, uid, gid));
}

static void
setup(void)
{
	strlcpy(dir, DIR_TEMPLATE, sizeof(dir));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rules", dir);
}

static void
teardown(void)
{
	unlink(path);
	rmdir(dir);
}

/* Write len bytes of text as the rules file and load it into r. */
static int
load_bytes(struct rules *r, const char *text, size_t len)
{
	FILE *fp;

	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(text, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
	err[0] = '\0';
	return rules_load_file(r, path, err, sizeof(err));
}

static int
load(struct rules *r, const char *text)
{
	return load_bytes(r, text, strlen(text));
}

/* The same, from a stream, with the name the messages give. */
static int
load_stream(struct rules *r, const char *name, const char *text)
{
	FILE *fp;
	int rv;

	ck_assert_ptr_nonnull(fp = fmemopen((void *)text, strlen(text), "r"));
	rv = rules_load_stream(r, fp, name, err, sizeof(err));
	fclose(fp);
	return rv;
}

/* The file text must fail with exactly "PATH:" expect. */
static void
load_fails(const char *text, size_t len, const char *expect)
{
	struct rules *r = rules_new();
	char want[sizeof(err)];

	ck_assert_ptr_nonnull(r);
	ck_assert_msg(load_bytes(r, text, len) == -1, "loaded: %s", text);
	snprintf(want, sizeof(want), "%s:%s", path, expect);
	ck_assert_str_eq(err, want);
	rules_free(r);
}

START_TEST(longest_prefix_whatever_the_order)
{
	static const char *const order[][5] = {
		{ "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "0.0.0.0/0",
		    "10.1.2.3" },
		{ "10.1.2.3", "0.0.0.0/0", "10.1.2.0/24", "10.1.0.0/16",
		    "10.0.0.0/8" },
	};
	struct rules *r;
	size_t i, j;
	int allow;

	for (i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(r = rules_new());
		for (j = 0; j < 5; j++) {
			allow = strchr(order[i][j], '/') == NULL ||
			    strcmp(order[i][j], "10.1.0.0/16") == 0;
			ck_assert_msg(rules_add(r, order[i][j], allow, err,
			    sizeof(err)) == 0, "%s", err);
		}
		ck_assert_str_eq(match_ip(r, "10.1.2.3"), "10.1.2.3/32");
		ck_assert_str_eq(match_ip(r, "10.1.2.4"), "10.1.2.0/24");
		ck_assert_str_eq(match_ip(r, "10.1.3.4"), "10.1.0.0/16");
		ck_assert_str_eq(match_ip(r, "10.200.0.1"), "10.0.0.0/8");
		ck_assert_str_eq(match_ip(r, "192.0.2.1"), "0.0.0.0/0");
		ck_assert_str_eq(match_ip(r, "2001:db8::1"), "default");
		rules_free(r);
	}
}
END_TEST

START_TEST(ipv6_prefixes)
{
	struct rules *r = rules_new();

	ck_assert_int_eq(rules_add(r, "2001:db8::/32", 1, err, sizeof(err)),
	    0);
	ck_assert_int_eq(rules_add(r, "2001:DB8:1::/48", 0, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(rules_add(r, "::/0", 0, err, sizeof(err)), 0);
	ck_assert_int_eq(rules_add(r, "2001:db8:1::7", 1, err, sizeof(err)),
	    0);
	ck_assert_str_eq(match_ip(r, "2001:db8:2::1"), "2001:db8::/32");
	ck_assert_str_eq(match_ip(r, "2001:db8:1:ff::1"), "2001:db8:1::/48");
	ck_assert_str_eq(match_ip(r, "2001:db8:1::7"), "2001:db8:1::7/128");
	ck_assert_str_eq(match_ip(r, "::1"), "::/0");
	/* an IPv4 client is not an IPv6 one, whatever listener it came in on */
	ck_assert_str_eq(match_ip(r, "127.0.0.1"), "default");
	ck_assert_str_eq(match_ip(r, "::ffff:127.0.0.1"), "default");
	rules_free(r);
}
END_TEST

START_TEST(v4_mapped_clients_match_ipv4_rules)
{
	struct rules *r = rules_new();
	const struct rule *rule;
	struct sockaddr_storage ss;

	ck_assert_int_eq(rules_add(r, "192.0.2.0/24", 0, err, sizeof(err)),
	    0);
	ck_assert_int_eq(rules_add(r, "192.0.2.128/25", 1, err,
	    sizeof(err)), 0);
	inet6(&ss, "::ffff:192.0.2.7");
	ck_assert_ptr_nonnull(rule = rules_match(r, &ss, -1, -1));
	ck_assert_str_eq(rule->text, "192.0.2.0/24");
	ck_assert_int_eq(rule->allow, 0);
	ck_assert_str_eq(match_ip(r, "::ffff:192.0.2.200"), "192.0.2.128/25");
	ck_assert_str_eq(match_ip(r, "192.0.2.200"), "192.0.2.128/25");
	ck_assert_str_eq(match_ip(r, "::ffff:198.51.100.1"), "default");
	/* such a rule could never match: it is refused, with the fix */
	ck_assert_int_eq(rules_add(r, "::ffff:198.51.100.0/120", 1, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "IPv4-mapped address: write it as "
	    "198.51.100.0/24");
	ck_assert_int_eq(rules_add(r, "::ffff:198.51.100.9", 1, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "IPv4-mapped address: write it as "
	    "198.51.100.9/32");
	rules_free(r);
}
END_TEST

START_TEST(uid_beats_gid)
{
	struct rules *r = rules_new();

	ck_assert_int_eq(rules_add(r, "gid:100", 1, err, sizeof(err)), 0);
	ck_assert_int_eq(rules_add(r, "uid:1000", 0, err, sizeof(err)), 0);
	ck_assert_int_eq(rules_add(r, "uid:0", 1, err, sizeof(err)), 0);
	ck_assert_int_eq(rules_add(r, "127.0.0.0/8", 1, err, sizeof(err)),
	    0);
	ck_assert_str_eq(match_unix(r, 1000, 100), "uid:1000");
	ck_assert_str_eq(match_unix(r, 1001, 100), "gid:100");
	ck_assert_str_eq(match_unix(r, 0, 0), "uid:0");
	ck_assert_str_eq(match_unix(r, 1001, 101), "default");
	ck_assert_str_eq(match_unix(r, -1, -1), "default");
	ck_assert_str_eq(match_unix(r, -1, 100), "gid:100");
	/* ids are not addresses: uid:0 is not 0.0.0.0, nor the reverse */
	ck_assert_str_eq(match_ip(r, "0.0.0.0"), "default");
	ck_assert_str_eq(match_ip(r, "127.0.0.1"), "127.0.0.0/8");
	ck_assert_str_eq(match_unix(r, 0x7f000001L, 0x7f000001L), "default");
	rules_free(r);
}
END_TEST

START_TEST(default_policy)
{
	struct rules *r = rules_new();
	const struct rule *rule;
	struct sockaddr_storage ss;

	inet4(&ss, "192.0.2.1");
	ck_assert_ptr_null(rule = rules_match(r, &ss, -1, -1));
	ck_assert_int_eq(rules_any_allow(r), 0);
	ck_assert_int_eq(rules_allows(r, rule), 1);	/* empty: all in */
	ck_assert_str_eq(rules_name(rule), "default");

	ck_assert_int_eq(rules_add(r, "198.51.100.0/24", 0, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(rules_allows(r, rules_match(r, &ss, -1, -1)), 1);
	ck_assert_str_eq(match_unix(r, 0, 0), "default");

	ck_assert_int_eq(rules_add(r, "203.0.113.0/24", 1, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(rules_any_allow(r), 1);
	ck_assert_ptr_null(rule = rules_match(r, &ss, -1, -1));
	ck_assert_int_eq(rules_allows(r, rule), 0);	/* an allow list */
	inet4(&ss, "203.0.113.9");
	ck_assert_int_eq(rules_allows(r, rules_match(r, &ss, -1, -1)), 1);
	inet4(&ss, "198.51.100.9");
	ck_assert_int_eq(rules_allows(r, rules_match(r, &ss, -1, -1)), 0);
	rules_free(r);
}
END_TEST

START_TEST(duplicates_are_errors)
{
	struct rules *r = rules_new();
	char want[sizeof(err)];

	ck_assert_int_eq(rules_add(r, "10.0.0.0/8", 1, err, sizeof(err)), 0);
	ck_assert_int_eq(rules_add(r, "10.0.0.0/8", 0, err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "duplicate rule for 10.0.0.0/8 (first given "
	    "as --allow 10.0.0.0/8)");
	ck_assert_int_eq(rules_add(r, "10.0.0.0/08", 1, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(rules_add(r, "2001:DB8:0::/32", 0, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(rules_add(r, "2001:db8::/32", 0, err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "duplicate rule for 2001:db8::/32 (first given "
	    "as --deny 2001:db8::/32)");
	/* the same bits with another length, or family, are another rule */
	ck_assert_int_eq(rules_add(r, "10.0.0.0/9", 1, err, sizeof(err)), 0);
	ck_assert_int_eq(rules_add(r, "uid:10", 1, err, sizeof(err)), 0);
	ck_assert_int_eq(rules_add(r, "gid:10", 1, err, sizeof(err)), 0);

	/* the command line and the file form one table */
	ck_assert_int_eq(load(r, "# office\n10.1.0.0/16 allow\n"
	    "10.0.0.0/8 deny\n"), -1);
	snprintf(want, sizeof(want), "%s:3: duplicate rule for 10.0.0.0/8 "
	    "(first given as --allow 10.0.0.0/8)", path);
	ck_assert_str_eq(err, want);
	rules_free(r);

	r = rules_new();
	ck_assert_int_eq(load(r, "10.1.0.0/16 allow\n\n  10.1.0.0/16   deny  "
	    "\n"), -1);
	snprintf(want, sizeof(want), "%s:3: duplicate rule for 10.1.0.0/16 "
	    "(first at line 1)", path);
	ck_assert_str_eq(err, want);
	rules_free(r);

	/* a rule from another file is named with its file */
	r = rules_new();
	ck_assert_int_eq(load_stream(r, "a.rules", "uid:7 deny\n"), 0);
	ck_assert_int_eq(load_stream(r, "b.rules", "gid:7 deny\n"
	    "uid:7 allow\n"), -1);
	ck_assert_str_eq(err, "b.rules:2: duplicate rule for uid:7 (first "
	    "at a.rules:1)");
	rules_free(r);
}
END_TEST

START_TEST(bad_lines)
{
	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "10.0.0.1/8 allow", "1: host bits are set beyond /8 (did you "
		    "mean 10.0.0.0/8?)" },
		{ "2001:db8::1/32 deny", "1: host bits are set beyond /32 (did "
		    "you mean 2001:db8::/32?)" },
		{ "10.0.0.0/33 allow", "1: prefix length /33 is too large (at "
		    "most /32)" },
		{ "::/129 allow", "1: prefix length /129 is too large (at most "
		    "/128)" },
		{ "10.0.0.0/ allow", "1: prefix length is missing" },
		{ "10.0.0.0/+8 allow", "1: prefix length is invalid" },
		{ "10.0.0.0/-0 allow", "1: prefix length is invalid" },
		{ "10.0.0.0/8x allow", "1: prefix length is invalid" },
		{ "10.0.0.0/99999999999999999999x allow", "1: prefix length is "
		    "invalid" },
		{ "10.0.0.0/99999999999999999999 allow", "1: prefix length "
		    "/99999999999999999999 is too large (at most /32)" },
		{ "10.0.0.0/8/8 allow", "1: prefix length is invalid" },
		{ "example.com allow", "1: not an address (a.b.c.d[/N], IPv6[/N], "
		    "uid:N or gid:N)" },
		{ "10.0.0 allow", "1: not an address (a.b.c.d[/N], IPv6[/N], "
		    "uid:N or gid:N)" },
		{ "010.0.0.0/8 allow", "1: not an address (a.b.c.d[/N], IPv6[/N], "
		    "uid:N or gid:N)" },
		{ "/8 allow", "1: not an address (a.b.c.d[/N], IPv6[/N], uid:N "
		    "or gid:N)" },
		{ "2001:db8::g/32 allow", "1: invalid IPv6 address" },
		{ "fe80::1%lo allow", "1: invalid IPv6 address" },
		{ "uid:x allow", "1: uid is invalid" },
		{ "uid:-1 allow", "1: uid is invalid" },
		{ "uid:+1 allow", "1: uid is invalid" },
		{ "uid:4294967295 deny", "1: uid is too large" },
		{ "gid: allow", "1: gid is missing" },
		{ "10.0.0.0/8", "1: allow or deny is missing" },
		{ "10.0.0.0/8 # allow", "1: allow or deny is missing" },
		{ "10.0.0.0/8 permit", "1: expected allow or deny, not "
		    "\"permit\"" },
		{ "10.0.0.0/8 Allow", "1: expected allow or deny, not "
		    "\"Allow\"" },
		{ "10.0.0.0/8 \"x\\\xff", "1: expected allow or deny, not "
		    "\"\\\"x\\\\\\377\"" },
		{ "10.0.0.0/8 deny FOO=1", "1: NAME=VALUE on a deny rule: a "
		    "denied client runs no handler" },
		{ "10.0.0.0/8 allow FOO", "1: \"FOO\" is not NAME=VALUE" },
		{ "10.0.0.0/8 allow 1FOO=x", "1: invalid variable name in "
		    "\"1FOO=x\"" },
		{ "10.0.0.0/8 allow =x", "1: invalid variable name in "
		    "\"=x\"" },
		{ "10.0.0.0/8 allow FOO-BAR=x", "1: invalid variable name in "
		    "\"FOO-BAR=x\"" },
		{ "10.0.0.0/8 allow A=1 B=2 A=3", "1: A is given twice" },
		{ "10.0.0.0/8 allow TCPREMOTEIP=1.2.3.4", "1: TCPREMOTEIP is "
		    "set by sockbridge for each client" },
		{ "10.0.0.0/8 allow A=\001", "1: control character \\001" },
		{ "10.0.0.0/8 allow\v", "1: control character \\013" },
		{ "# fine\n\n10.0.0.0/8 allow\n\n10.0.0.0/8 allow\n",
		    "5: duplicate rule for 10.0.0.0/8 (first at line 3)" },
		{ "10.0.0.0/8 allow\n11.0.0.0/8 allow\n12.0.0.0/8 alow\n",
		    "3: expected allow or deny, not \"alow\"" },
	};
	char line[RULES_LINE_MAX + 2];
	struct rules *r;
	size_t i;

	for (i = 0; i < nitems(bad); i++)
		load_fails(bad[i].text, strlen(bad[i].text), bad[i].err);
	load_fails("10.0.0.0/8 allow\n10.0.0.0/9 a\0llow\n", 34,
	    "2: NUL byte in the line");

	/* RULES_LINE_MAX bytes is a line; one more is an error */
	memset(line, ' ', sizeof(line));
	memcpy(line, "10.0.0.0/8 allow", 16);
	line[RULES_LINE_MAX] = '\n';
	ck_assert_ptr_nonnull(r = rules_new());
	ck_assert_msg(load_bytes(r, line, RULES_LINE_MAX + 1) == 0, "%s",
	    err);
	rules_free(r);
	line[RULES_LINE_MAX] = ' ';
	line[RULES_LINE_MAX + 1] = '\n';
	load_fails(line, RULES_LINE_MAX + 2,
	    "1: line too long (more than 1024 bytes)");
}
END_TEST

/*
 * Every name the bridge sets for a client, from its socket or from its
 * balancer's PROXY header, is refused: a handler must never get one of
 * them twice, nor a rule's value in place of what the header said.
 */
START_TEST(bridge_names_refused)
{
	const char *const *lists[] = { conn_var_names, proxied_var_names };
	const char *const *name;
	struct rules *r;
	char line[128], want[128];
	size_t i;

	for (i = 0; i < nitems(lists); i++)
		for (name = lists[i]; *name != NULL; name++) {
			snprintf(line, sizeof(line), "10.0.0.0/8 allow A=1 "
			    "%s=x", *name);
			snprintf(want, sizeof(want), "1: %s is set by "
			    "sockbridge for each client", *name);
			load_fails(line, strlen(line), want);
		}
	/* a name that only starts like one of them is the rule's own */
	ck_assert_ptr_nonnull(r = rules_new());
	ck_assert_msg(load(r, "10.0.0.0/8 allow PROXY_ALPNX=1 SSL_CIPHER_=2 "
	    "PROXY=3") == 0, "%s", err);
	rules_free(r);
}
END_TEST

START_TEST(file_errors)
{
	struct rules *r = rules_new();
	char want[sizeof(err)];

	ck_assert_int_eq(rules_load_file(r, "/nonexistent/rules", err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "/nonexistent/rules: No such file or directory");
	ck_assert_int_eq(rules_load_file(r, dir, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: Is a directory", dir);
	ck_assert_str_eq(err, want);
	/* an empty file, or only comments: no rules, and that is fine */
	ck_assert_int_eq(load(r, ""), 0);
	ck_assert_int_eq(load(r, "# nothing\n\n   \t\n#\n"), 0);
	ck_assert_uint_eq(rules_count(r), 0);
	rules_free(r);
}
END_TEST

START_TEST(env_pairs)
{
	struct rules *r = rules_new();
	const struct rule *rule;
	char line[256];

	ck_assert_msg(load(r, "# tcprules style\n"
	    "192.0.2.0/24 allow RELAYCLIENT= GREETING=hello # the office\n"
	    "192.0.2.9\tallow\tA=b=c\tB=#1\r\n"
	    "uid:1000 allow USER_IS=me\n"
	    "198.51.100.0/24 deny # no env here\n"
	    "0.0.0.0/0 allow") == 0, "%s", err);
	ck_assert_uint_eq(rules_count(r), 5);
	rule = rules_at(r, 0);
	ck_assert_str_eq(rule->text, "192.0.2.0/24");
	ck_assert_int_eq(rule->allow, 1);
	ck_assert_uint_eq(rule->nenv, 2);
	ck_assert_str_eq(rule->env[0], "RELAYCLIENT=");
	ck_assert_str_eq(rule->env[1], "GREETING=hello");
	ck_assert_int_eq(rule->line, 2);
	ck_assert_str_eq(rule->file, path);
	rule = rules_at(r, 1);
	ck_assert_uint_eq(rule->nenv, 2);
	ck_assert_str_eq(rule->env[0], "A=b=c");
	ck_assert_str_eq(rule->env[1], "B=#1");		/* no CR */
	ck_assert_int_eq(rule_format(rule, line, sizeof(line)), 29);
	ck_assert_str_eq(line, "192.0.2.9/32 allow A=b=c B=#1");
	ck_assert_str_eq(rules_at(r, 2)->env[0], "USER_IS=me");
	ck_assert_uint_eq(rules_at(r, 3)->nenv, 0);
	ck_assert_int_eq(rules_at(r, 3)->allow, 0);
	ck_assert_int_eq(rules_at(r, 4)->line, 6);	/* no last newline */
	ck_assert_str_eq(match_ip(r, "192.0.2.9"), "192.0.2.9/32");
	ck_assert_str_eq(match_unix(r, 1000, 5), "uid:1000");
	ck_assert_ptr_null(rules_at(r, 5));
	rules_free(r);
}
END_TEST

START_TEST(canonical_text)
{
	static const char *const in[][2] = {
		{ "192.0.2.1", "192.0.2.1/32" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "10.0.0.0/08", "10.0.0.0/8" },
		{ "2001:DB8:0:0:0::/32", "2001:db8::/32" },
		{ "::", "::/128" },
		{ "::1", "::1/128" },
		{ "2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1/128" },
		{ "uid:007", "uid:7" },
		{ "gid:4294967294", "gid:4294967294" },
	};
	struct cidr c, again;
	char text[CIDR_TEXT_MAX];
	size_t i;

	for (i = 0; i < nitems(in); i++) {
		ck_assert_msg(cidr_parse(in[i][0], &c, err, sizeof(err)) == 0,
		    "%s: %s", in[i][0], err);
		cidr_text(&c, text, sizeof(text));
		ck_assert_str_eq(text, in[i][1]);
		ck_assert_int_eq(cidr_parse(text, &again, err, sizeof(err)),
		    0);
		ck_assert_mem_eq(&c, &again, sizeof(c));
	}
}
END_TEST

/* A reload that fails leaves nothing of itself in the table in use. */
START_TEST(failed_reload_keeps_the_old_table)
{
	struct rules *old, *new;

	ck_assert_ptr_nonnull(old = rules_new());
	ck_assert_int_eq(rules_add(old, "127.0.0.1", 0, err, sizeof(err)),
	    0);
	ck_assert_int_eq(load(old, "10.0.0.0/8 allow\n"), 0);
	ck_assert_ptr_nonnull(new = rules_new());
	ck_assert_int_eq(rules_add(new, "127.0.0.1", 0, err, sizeof(err)),
	    0);
	ck_assert_int_eq(load(new, "10.0.0.0/8 allow\n11.0.0.0/8 allow\n"
	    "12.0.0.0/8 allow X=1 X=2\n"), -1);
	rules_free(new);
	ck_assert_uint_eq(rules_count(old), 2);
	ck_assert_str_eq(match_ip(old, "11.0.0.1"), "default");
	ck_assert_int_eq(rules_allows(old, NULL), 0);
	rules_free(old);
}
END_TEST

static uint64_t rng = 88172645463325252ULL;

static uint32_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng >> 32;
}

/* The rule rules_match must find, by looking at every one. */
static const struct rule *
slow_match(const struct rules *r, const struct cidr *addr)
{
	const struct rule *rule, *best = NULL;
	size_t i;

	for (i = 0; (rule = rules_at(r, i)) != NULL; i++)
		if (cidr_contains(&rule->cidr, addr) &&
		    (best == NULL || rule->cidr.len > best->cidr.len))
			best = rule;
	return best;
}

static void
random_client(struct sockaddr_storage *ss, const struct rules *r)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	const struct rule *near;
	uint32_t x;
	int i;

	memset(ss, 0, sizeof(*ss));
	/* half of them near a rule, so that long prefixes get hit too */
	near = next() % 2 ? rules_at(r, next() % rules_count(r)) : NULL;
	if (next() % 2) {
		sin->sin_family = AF_INET;
		x = next();
		if (near != NULL && near->cidr.family == CIDR_INET)
			memcpy(&x, near->cidr.key, 4);
		x ^= next() % 2 ? 0 : htonl(1U << (next() % 32));
		memcpy(&sin->sin_addr, &x, 4);
	} else {
		sin6->sin6_family = AF_INET6;
		for (i = 0; i < 16; i += 4) {
			x = next();
			memcpy(&sin6->sin6_addr.s6_addr[i], &x, 4);
		}
		if (near != NULL && near->cidr.family == CIDR_INET6)
			memcpy(&sin6->sin6_addr, near->cidr.key, 16);
		sin6->sin6_addr.s6_addr[next() % 16] ^= 1 << next() % 8;
	}
}

#define NCLIENTS	65536

START_TEST(thousands_of_rules)
{
	struct rules *r = rules_new();
	struct sockaddr_storage ss, *clients;
	const struct rule *fast;
	struct timespec t0, t1;
	struct cidr c, addr;
	char text[CIDR_TEXT_MAX];
	int i, added = 0, len, matched = 0;
	double secs;

	while (added < 5000) {
		memset(&c, 0, sizeof(c));
		c.family = next() % 3 ? CIDR_INET : CIDR_INET6;
		for (i = 0; i < 16; i += 4) {
			uint32_t x = next();
			memcpy(c.key + i, &x, 4);
		}
		len = c.family == CIDR_INET ? 8 + next() % 25 :
		    16 + next() % 113;
		cidr_mask(&c, len, &c);
		cidr_text(&c, text, sizeof(text));
		if (rules_add(r, text, next() % 2, err, sizeof(err)) == 0)
			added++;
		else
			ck_assert_msg(strncmp(err, "duplicate", 9) == 0 ||
			    strncmp(err, "IPv4-mapped", 11) == 0, "%s: %s",
			    text, err);
	}
	for (i = 0; i < 50000; i++) {
		random_client(&ss, r);
		fast = rules_match(r, &ss, -1, -1);
		cidr_of_peer(&ss, &addr);
		ck_assert_ptr_eq(fast, slow_match(r, &addr));
		matched += fast != NULL;
	}
	ck_assert_int_gt(matched, 1000);

	/* the clock is for the lookups, not for making the clients */
	ck_assert_ptr_nonnull(clients = calloc(NCLIENTS, sizeof(*clients)));
	for (i = 0; i < NCLIENTS; i++)
		random_client(&clients[i], r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 1000000; i++)
		matched += rules_match(r, &clients[i % NCLIENTS], -1, -1) !=
		    NULL;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("check_rules: 1000000 lookups in %d rules: %.3f s "
	    "(%.0f ns each)\n", added, secs, secs * 1e3);
	free(clients);
	rules_free(r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("rules");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, longest_prefix_whatever_the_order);
	tcase_add_test(tc, ipv6_prefixes);
	tcase_add_test(tc, v4_mapped_clients_match_ipv4_rules);
	tcase_add_test(tc, uid_beats_gid);
	tcase_add_test(tc, default_policy);
	tcase_add_test(tc, duplicates_are_errors);
	tcase_add_test(tc, bad_lines);
	tcase_add_test(tc, bridge_names_refused);
	tcase_add_test(tc, file_errors);
	tcase_add_test(tc, env_pairs);
	tcase_add_test(tc, canonical_text);
	tcase_add_test(tc, failed_reload_keeps_the_old_table);
	tcase_add_test(tc, thousands_of_rules);
	suite_add_tcase(s, tc);
	return check_run(s);
}
