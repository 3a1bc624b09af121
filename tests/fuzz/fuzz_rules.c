/*
 * fuzz_rules: arbitrary bytes as the contents of a --rules file.
 *
 * A few command-line rules come first, as they would with --allow and
 * --deny.  A file that fails must say why in one printable line that
 * starts with the file's name.  A file that loads must give a table that
 * (1) matches any client to the rule a scan of every rule finds, the
 * longest prefix, uid before gid, an IPv4-mapped client as the IPv4 one,
 * and (2) whose rules, written back as lines, read back as themselves.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "rules.h"

#define NAME	"fuzz.rules"

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
check_ip(const struct rules *r, const unsigned char *key, int v6)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct cidr addr;

	memset(&ss, 0, sizeof(ss));
	if (v6) {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, key, 16);
	} else {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, key, 4);
	}
	if (cidr_of_peer(&ss, &addr) == -1)
		abort();
	if (rules_match(r, &ss, -1, -1) != slow_match(r, &addr))
		abort();
	if (v6)
		return;
	/* the same client on a dual-stack listener: ::ffff:a.b.c.d */
	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr.s6_addr[10] = sin6->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&sin6->sin6_addr.s6_addr[12], key, 4);
	if (rules_match(r, &ss, -1, -1) != slow_match(r, &addr))
		abort();
}

static void
check_unix(const struct rules *r, long uid, long gid)
{
	struct sockaddr_storage ss;
	const struct rule *want = NULL;
	struct cidr c;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	if (uid >= 0) {
		cidr_of_id(CIDR_UID, uid, &c);
		want = slow_match(r, &c);
	}
	if (want == NULL && gid >= 0) {
		cidr_of_id(CIDR_GID, gid, &c);
		want = slow_match(r, &c);
	}
	if (rules_match(r, &ss, uid, gid) != want)
		abort();
}

/* Each rule as a line of its own reads back as itself. */
static void
check_round_trip(const struct rule *rule)
{
	char line[RULES_LINE_MAX + 2], err[512];
	const struct rule *again;
	struct rules *r;
	struct cidr c;
	size_t i;
	FILE *fp;
	int len;

	cidr_text(&rule->cidr, line, sizeof(line));
	if (strcmp(line, rule->text) != 0 ||
	    cidr_parse(rule->text, &c, err, sizeof(err)) == -1 ||
	    memcmp(&c, &rule->cidr, sizeof(c)) != 0)
		abort();
	len = rule_format(rule, line, sizeof(line));
	if (len < 0 || (size_t)len >= sizeof(line))
		abort();
	if ((r = rules_new()) == NULL ||
	    (fp = fmemopen(line, len, "r")) == NULL)
		abort();
	if (rules_load_stream(r, fp, NAME, err, sizeof(err)) == -1 ||
	    rules_count(r) != 1)
		abort();
	fclose(fp);
	again = rules_at(r, 0);
	if (memcmp(&again->cidr, &rule->cidr, sizeof(c)) != 0 ||
	    again->allow != rule->allow || again->nenv != rule->nenv ||
	    strcmp(again->text, rule->text) != 0)
		abort();
	for (i = 0; i < rule->nenv; i++)
		if (strcmp(again->env[i], rule->env[i]) != 0)
			abort();
	rules_free(r);
}

static void
check_error(const char *err)
{
	const char *p;

	if (strncmp(err, NAME ":", sizeof(NAME)) != 0 || err[sizeof(NAME)] ==
	    '\0')
		abort();
	for (p = err; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct rule *rule;
	unsigned char key[16];
	struct rules *r;
	char err[512];
	size_t i;
	FILE *fp;
	void *copy;
	int bit;

	if (size == 0 || (copy = malloc(size)) == NULL)
		return 0;
	memcpy(copy, data, size);
	if ((r = rules_new()) == NULL || (fp = fmemopen(copy, size, "r")) ==
	    NULL)
		abort();
	if (rules_add(r, "10.0.0.0/8", 1, err, sizeof(err)) == -1 ||
	    rules_add(r, "::/0", 0, err, sizeof(err)) == -1 ||
	    rules_add(r, "uid:0", 0, err, sizeof(err)) == -1)
		abort();
	err[0] = '\0';
	if (rules_load_stream(r, fp, NAME, err, sizeof(err)) == -1) {
		check_error(err);
		goto out;
	}
	for (i = 0; (rule = rules_at(r, i)) != NULL; i++) {
		check_round_trip(rule);
		/* the network itself, and a neighbour one bit off */
		memcpy(key, rule->cidr.key, sizeof(key));
		check_ip(r, key, rule->cidr.family == CIDR_INET6);
		bit = data[i % size] % cidr_bits(rule->cidr.family);
		key[bit / 8] ^= 0x80 >> bit % 8;
		check_ip(r, key, rule->cidr.family == CIDR_INET6);
		if (rule->cidr.family >= CIDR_UID) {
			check_unix(r, (long)rule->cidr.key[0] << 24 |
			    rule->cidr.key[1] << 16 | rule->cidr.key[2] << 8 |
			    rule->cidr.key[3], data[i % size]);
			check_unix(r, -1, (long)rule->cidr.key[3]);
		}
	}
	/* and clients made of the input's own bytes */
	for (i = 0; i + 16 <= size && i < 256; i += 4) {
		check_ip(r, data + i, 0);
		check_ip(r, data + i, 1);
	}
out:
	fclose(fp);
	rules_free(r);
	free(copy);
	return 0;
}
