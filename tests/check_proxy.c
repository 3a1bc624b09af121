/*
 * check_proxy: the PROXY protocol header parser (src/proxy_header.c).
 * Every valid header here is also fed in pieces (byte by byte, in
 * seeded random splits, and the way a MSG_PEEK reader sees it), with
 * payload after it: need() never asks for a byte past the header, and
 * the parse consumes exactly the header, whatever follows.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pending.h"
#include "proxied.h"
#include "proxy_header.h"
#include "check_run.h"

#define BIG	(PROXY_HEADER_MAX_LIMIT + 64)

/* A header under construction. */
struct hdr {
	unsigned char	b[BIG];
	size_t		n;
	size_t		crc_at;		/* offset of a CRC32C value, or 0 */
};

static const unsigned char sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/* Bytes a handler might see first; they must never be taken. */
static const unsigned char payload[] =
    "\r\nSSH-2.0-x\r\n\r\n\r\n\0\r\nQUIT\n\x21\x11PROXY TCP4 ";

static struct hdr	h;
static unsigned char	scratch[BIG + sizeof(payload)];
static struct proxy_result res, res2;
static uint64_t		rng = 0x9e3779b97f4a7c15ULL;

static unsigned int
rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng % n);
}

static void
put(struct hdr *x, const void *p, size_t n)
{
	ck_assert_uint_le(x->n + n, sizeof(x->b));
	memcpy(x->b + x->n, p, n);
	x->n += n;
}

static void
put8(struct hdr *x, unsigned int v)
{
	unsigned char c = v;

	put(x, &c, 1);
}

static void
put16(struct hdr *x, unsigned int v)
{
	put8(x, v >> 8);
	put8(x, v & 0xff);
}

static void
v2_start(struct hdr *x, unsigned int ver_cmd, unsigned int fam)
{
	memset(x, 0, sizeof(*x));
	put(x, sig, sizeof(sig));
	put8(x, ver_cmd);
	put8(x, fam);
	put16(x, 0);		/* v2_end fills it in */
}

static void
v2_inet(struct hdr *x, const char *s, const char *d, unsigned int sp,
    unsigned int dp)
{
	unsigned char a[16];

	ck_assert_int_eq(inet_pton(AF_INET, s, a), 1);
	put(x, a, 4);
	ck_assert_int_eq(inet_pton(AF_INET, d, a), 1);
	put(x, a, 4);
	put16(x, sp);
	put16(x, dp);
}

static void
v2_inet6(struct hdr *x, const char *s, const char *d, unsigned int sp,
    unsigned int dp)
{
	unsigned char a[16];

	ck_assert_int_eq(inet_pton(AF_INET6, s, a), 1);
	put(x, a, 16);
	ck_assert_int_eq(inet_pton(AF_INET6, d, a), 1);
	put(x, a, 16);
	put16(x, sp);
	put16(x, dp);
}

static void
tlv(struct hdr *x, unsigned int type, const void *v, size_t n)
{
	put8(x, type);
	put16(x, n);
	put(x, v, n);
}

static void
tlv_str(struct hdr *x, unsigned int type, const char *s)
{
	tlv(x, type, s, strlen(s));
}

/*
 * As HAProxy's proxy-v2-options crc32c: the CRC32C TLV right after the
 * addresses, zero while the header is built, then the CRC32C of the
 * whole header in network order.
 */
static void
tlv_crc(struct hdr *x)
{
	static const unsigned char zero[4];

	tlv(x, 0x03, zero, 4);
	x->crc_at = x->n - 4;
}

static void
v2_end(struct hdr *x)
{
	size_t len = x->n - 16;
	uint32_t crc;

	x->b[14] = len >> 8;
	x->b[15] = len & 0xff;
	if (x->crc_at != 0) {
		crc = proxy_crc32c(0, x->b, x->n);
		x->b[x->crc_at] = crc >> 24;
		x->b[x->crc_at + 1] = crc >> 16;
		x->b[x->crc_at + 2] = crc >> 8;
		x->b[x->crc_at + 3] = crc;
	}
}

static void
v1(struct hdr *x, const char *line)
{
	memset(x, 0, sizeof(*x));
	put(x, line, strlen(line));
}

/* An address and port as "ip port", for comparisons. */
static const char *
addr(const struct sockaddr_storage *ss)
{
	static char out[2][INET6_ADDRSTRLEN + 8];
	static int which;
	char ip[INET6_ADDRSTRLEN];
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	which = !which;
	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		snprintf(out[which], sizeof(out[0]), "%s %u", ip,
		    ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
		snprintf(out[which], sizeof(out[0]), "%s %u", ip,
		    ntohs(sin6->sin6_port));
	} else
		snprintf(out[which], sizeof(out[0]), "family %d",
		    ss->ss_family);
	return out[which];
}

/*
 * Reads the header the way a caller does with exact reads: chunk 0
 * takes what need() asks for, 1 one byte at a time, 2 random pieces.
 */
static void
read_exact(const unsigned char *b, size_t total, int versions, size_t max,
    int how)
{
	const char *why = NULL;
	size_t len = 0, take;
	int n;

	while ((n = proxy_header_need(b, len, versions, max, &why)) > 0) {
		ck_assert_msg(len + n <= total,
		    "need %d at %zu asks past the %zu-byte header", n, len,
		    total);
		take = how == 0 ? (size_t)n : how == 1 ? 1 : 1 + rnd(n);
		len += take;
	}
	ck_assert_msg(n == 0, "need failed at %zu of %zu: %s", len, total,
	    why);
	ck_assert_uint_eq(len, total);
}

/*
 * Reads it the way a MSG_PEEK reader does: the bytes arrive in random
 * pieces, header and payload alike; while need() says more, everything
 * peeked must be header bytes.
 */
static void
read_peek(const unsigned char *b, size_t total, size_t all, int versions,
    size_t max)
{
	const char *why = NULL;
	size_t avail = 0;
	int n;

	for (;;) {
		n = proxy_header_need(b, avail, versions, max, &why);
		ck_assert_msg(n >= 0, "need failed at %zu: %s", avail, why);
		if (n == 0)
			break;
		ck_assert_uint_le(avail, total);
		ck_assert_uint_lt(avail, all);
		avail += 1 + rnd(all - avail);
	}
	ck_assert_int_eq(proxy_header_parse(b, avail, versions, max, &res2,
	    &why), (int)total);
	ck_assert_uint_ge(avail, total);
}

/*
 * The header x must parse whole into res, alone and with payload after
 * it, with the same result, and must read well in every way.
 */
static void
ok_max(const struct hdr *x, int versions, size_t max)
{
	const char *why = NULL;
	size_t k, all;
	int n, r;

	r = proxy_header_parse(x->b, x->n, versions, max, &res, &why);
	ck_assert_msg(r == (int)x->n, "parse gave %d, not %zu: %s", r, x->n,
	    r < 0 ? why : "");
	ck_assert_uint_eq(res.length, x->n);
	ck_assert_int_eq(proxy_header_need(x->b, x->n, versions, max, &why),
	    0);

	memcpy(scratch, x->b, x->n);
	memcpy(scratch + x->n, payload, sizeof(payload));
	all = x->n + sizeof(payload);
	ck_assert_int_eq(proxy_header_parse(scratch, all, versions, max,
	    &res2, &why), (int)x->n);
	ck_assert(memcmp(&res, &res2, sizeof(res)) == 0);
	ck_assert(memcmp(scratch + x->n, payload, sizeof(payload)) == 0);

	/* every proper prefix: incomplete, and asks only for header bytes */
	for (k = 0; k < x->n; k++) {
		n = proxy_header_need(x->b, k, versions, max, &why);
		ck_assert_msg(n > 0 && k + n <= x->n,
		    "need at %zu of %zu gave %d", k, x->n, n);
		if (k % 97 == 0 || x->n < 600) {
			ck_assert_int_eq(proxy_header_parse(x->b, k, versions,
			    max, &res2, &why), -1);
			ck_assert_str_eq(why, "truncated");
		}
	}
	read_exact(x->b, x->n, versions, max, 0);
	read_exact(x->b, x->n, versions, max, 1);
	for (k = 0; k < 20; k++) {
		read_exact(x->b, x->n, versions, max, 2);
		read_peek(scratch, x->n, all, versions, max);
	}
	ck_assert(memcmp(&res, &res2, sizeof(res)) == 0);
}

static void
ok(const struct hdr *x)
{
	ok_max(x, PROXY_ANY, 0);
}

/*
 * The header must be refused with this reason.  need() may see it as
 * soon as the bytes allow, or (for what only the parse checks: fields,
 * TLVs, checksum) say "complete" once all of it is there, never before;
 * and once it has refused a prefix it refuses every longer one.
 */
static void
bad_max(const struct hdr *x, int versions, size_t max, const char *reason)
{
	const char *why = NULL;
	size_t k;
	int n, failed;

	ck_assert_int_eq(proxy_header_parse(x->b, x->n, versions, max, &res,
	    &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert_str_eq(why, reason);
	failed = 0;
	for (k = 0; k <= x->n; k++) {
		n = proxy_header_need(x->b, k, versions, max, &why);
		if (failed)
			ck_assert_msg(n == -1, "refused at a shorter prefix, "
			    "accepted at %zu", k);
		else if (n == -1)
			failed = 1;
		else if (n == 0)
			ck_assert_uint_eq(k, x->n);
		else
			ck_assert_uint_le(k + n, max > 0 && max <
			    PROXY_HEADER_MAX_MIN ? PROXY_HEADER_MAX_MIN :
			    max == 0 ? PROXY_HEADER_MAX_DEFAULT : max);
	}
}

static void
bad(const struct hdr *x, const char *reason)
{
	bad_max(x, PROXY_ANY, 0, reason);
}

static void
bad_v1(const char *line, const char *reason)
{
	v1(&h, line);
	bad(&h, reason);
}

/* Where need() gives up: the byte count at which it returns -1. */
static size_t
refused_at(const struct hdr *x, int versions)
{
	const char *why;
	size_t k;

	for (k = 0; k <= x->n; k++)
		if (proxy_header_need(x->b, k, versions, 0, &why) == -1)
			return k;
	return (size_t)-1;
}

START_TEST(crc32c_vector)
{
	const unsigned char *v = (const unsigned char *)"123456789";

	ck_assert_uint_eq(proxy_crc32c(0, v, 9), 0xe3069283U);
	ck_assert_uint_eq(proxy_crc32c(proxy_crc32c(0, v, 4), v + 4, 5),
	    0xe3069283U);
	ck_assert_uint_eq(proxy_crc32c(0, v, 0), 0);
}
END_TEST

START_TEST(v1_tcp4)
{
	v1(&h, "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
	ok(&h);
	ck_assert_int_eq(res.version, 1);
	ck_assert(!res.local);
	ck_assert_str_eq(res.what, "TCP4");
	ck_assert_str_eq(addr(&res.src), "192.168.0.1 56324");
	ck_assert_str_eq(addr(&res.dst), "192.168.0.11 443");

	v1(&h, "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n");
	ck_assert_uint_eq(h.n, 56);
	ok(&h);
	ck_assert_str_eq(addr(&res.src), "255.255.255.255 65535");

	v1(&h, "PROXY TCP4 0.0.0.0 10.0.0.0 0 0\r\n");
	ok(&h);
	ck_assert_str_eq(addr(&res.src), "0.0.0.0 0");
	ck_assert_str_eq(addr(&res.dst), "10.0.0.0 0");
}
END_TEST

START_TEST(v1_tcp6)
{
	static const char *const good[][3] = {
		{ "2001:db8::1", "2001:db8::2", "2001:db8::1" },
		{ "::1", "::", "::1" },
		{ "2001:DB8:0:0:0:0:0:A", "fe80::1", "2001:db8::a" },
		{ "2001:0db8:0000:0000:0000:0000:0000:0001", "::1",
		  "2001:db8::1" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
		{ "::ffff:192.0.2.1", "::1", "::ffff:192.0.2.1" },
	};
	char line[200], want[80];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(line, sizeof(line), "PROXY TCP6 %s %s 65535 1\r\n",
		    good[i][0], good[i][1]);
		v1(&h, line);
		ok(&h);
		ck_assert_str_eq(res.what, "TCP6");
		ck_assert_int_eq(res.src.ss_family, AF_INET6);
		snprintf(want, sizeof(want), "%s 65535", good[i][2]);
		ck_assert_str_eq(addr(&res.src), want);
		ck_assert_uint_eq(ntohs(((struct sockaddr_in6 *)&res.dst)->
		    sin6_port), 1);
	}
	/* the longest TCP6 line */
	snprintf(line, sizeof(line), "PROXY TCP6 %s %s 65535 65535\r\n",
	    good[4][0], good[4][1]);
	ck_assert_uint_eq(strlen(line), 104);
	v1(&h, line);
	ok(&h);
}
END_TEST

START_TEST(v1_tcp6_bad)
{
	static const char *const addrs[] = {
		"2001:db8::1::2", "1.2.3.4", "2001:db8::1%lo", "gggg::1",
		"1:2:3:4:5:6:7:8:9", "12345::1", ":::1", "::ffff:01.2.3.4",
		"2001:db8:::1", "[::1]", "::1/128",
		"0000:0000:0000:0000:0000:0000:0000:0000:0",
		"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa",
	};
	char line[200];
	size_t i;

	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		snprintf(line, sizeof(line), "PROXY TCP6 %s ::1 1 2\r\n",
		    addrs[i]);
		bad_v1(line, "bad-address");
		snprintf(line, sizeof(line), "PROXY TCP6 ::1 %s 1 2\r\n",
		    addrs[i]);
		bad_v1(line, "bad-address");
	}
	/* the families must match the protocol word (nginx#1614) */
	bad_v1("PROXY TCP6 ::1 127.0.0.1 1 2\r\n", "bad-address");
	bad_v1("PROXY TCP4 127.0.0.1 ::1 1 2\r\n", "bad-address");
}
END_TEST

START_TEST(v1_unknown)
{
	char line[200];

	v1(&h, "PROXY UNKNOWN\r\n");
	ok(&h);
	ck_assert_uint_eq(res.length, 15);
	ck_assert(res.local);
	ck_assert_str_eq(res.what, "UNKNOWN");
	ck_assert_int_eq(res.version, 1);

	/* the long form: anything before the CRLF is ignored */
	v1(&h, "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n");
	ck_assert_uint_eq(h.n, 107);
	ok(&h);
	ck_assert(res.local);
	v1(&h, "PROXY UNKNOWN \r\n");
	ok(&h);
	v1(&h, "PROXY UNKNOWN 1.2.3.4  not checked\x01\x7f\xff at all\r\n");
	ok(&h);
	ck_assert(res.local);

	/* exactly 107 is fine, 108 is not */
	snprintf(line, sizeof(line), "PROXY UNKNOWN %091d\r\n", 0);
	v1(&h, line);
	ck_assert_uint_eq(h.n, 107);
	ok(&h);
	snprintf(line, sizeof(line), "PROXY UNKNOWN %092d\r\n", 0);
	v1(&h, line);
	ck_assert_uint_eq(h.n, 108);
	bad(&h, "v1-too-long");
	ck_assert_uint_eq(refused_at(&h, PROXY_ANY), 107);
	/* a CR as the 107th byte cannot start a CRLF that fits */
	snprintf(line, sizeof(line), "PROXY UNKNOWN %091d\r\n", 0);
	line[105] = 'x';
	line[106] = '\r';
	v1(&h, line);
	bad(&h, "v1-too-long");

	bad_v1("PROXY UNKNOWNX\r\n", "bad-v1-line");
	bad_v1("PROXY UNKNOWN\rX\r\n", "bad-v1-line");
	bad_v1("PROXY UNKNOWN lone\nLF\r\n", "bad-v1-line");
	bad_v1("PROXY unknown\r\n", "bad-v1-line");
}
END_TEST

START_TEST(v1_line_endings)
{
	bad_v1("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "bad-v1-line");
	bad_v1("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX", "bad-v1-line");
	bad_v1("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n", "bad-v1-line");
	bad_v1("PROXY TCP4 1.2.3.4\r5.6.7.8 1 2\r\n", "bad-v1-line");
	bad_v1("PROXY TCP4 1.2.3.4\n5.6.7.8 1 2\r\n", "bad-v1-line");
	bad_v1("PROXY UNKNOWN\n", "bad-v1-line");
	bad_v1("PROXY\r\n", "bad-signature");
	bad_v1("PROXY \r\n", "bad-v1-line");

	/* no CRLF at all: refused once 107 bytes are there, not before */
	v1(&h, "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 "
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	ck_assert_uint_eq(refused_at(&h, PROXY_ANY), 107);
	bad(&h, "v1-too-long");
	v1(&h, "PROXY UNKNOWN ");
	while (h.n < 200)
		put8(&h, 'y');
	bad(&h, "v1-too-long");
}
END_TEST

START_TEST(v1_spaces_and_fields)
{
	bad_v1("PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "bad-v1-line");
	bad_v1("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n", "bad-v1-line");
	bad_v1("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", "bad-v1-line");
	bad_v1("PROXY TCP4 1.2.3.4 5.6.7.8  1 2\r\n", "bad-v1-line");
	bad_v1("PROXY TCP4 1.2.3.4 5.6.7.8 1  2\r\n", "bad-v1-line");
	bad_v1("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", "bad-v1-line");
	bad_v1("PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n", "bad-v1-line");
	bad_v1("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "bad-v1-line");
	bad_v1("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", "bad-v1-line");
	bad_v1("PROXY TCP4 1.2.3.4 5.6.7.8\r\n", "bad-v1-line");
	bad_v1("PROXY TCP4\r\n", "bad-v1-line");
	bad_v1("PROXY TCP4 \r\n", "bad-v1-line");
	bad_v1("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", "bad-v1-line");
	bad_v1("PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n", "bad-v1-line");
	bad_v1("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", "bad-v1-line");
	bad_v1(" PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "bad-signature");
	bad_v1("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "bad-signature");

	/* a wrong protocol word is refused before the line ends */
	v1(&h, "PROXY TCP7 1.2.3.4 5.6.7.8 1 2\r\n");
	ck_assert_uint_eq(refused_at(&h, PROXY_ANY), 10);
}
END_TEST

START_TEST(v1_numbers)
{
	static const char *const addrs[] = {
		"01.2.3.4", "1.2.3.04", "1.2.3.00", "1.02.3.4", "256.1.1.1",
		"1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.", ".1.2.3", "1.2.3.4a",
		"0x1.2.3.4", "1.2.3.-4", "1.2.3.+4", "1000.2.3.4", "1.2.3.4/32",
		"localhost",
	};
	static const char *const ports[] = {
		"65536", "99999", "123456", "080", "00", "-1", "+1", "1a",
		"0x10", "1.5",
	};
	char line[200];
	size_t i;

	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		snprintf(line, sizeof(line), "PROXY TCP4 %s 5.6.7.8 1 2\r\n",
		    addrs[i]);
		bad_v1(line, "bad-address");
		snprintf(line, sizeof(line), "PROXY TCP4 5.6.7.8 %s 1 2\r\n",
		    addrs[i]);
		bad_v1(line, "bad-address");
	}
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		snprintf(line, sizeof(line), "PROXY TCP4 1.2.3.4 5.6.7.8 %s 2"
		    "\r\n", ports[i]);
		bad_v1(line, "bad-port");
		snprintf(line, sizeof(line), "PROXY TCP6 ::1 ::2 1 %s\r\n",
		    ports[i]);
		bad_v1(line, "bad-port");
	}
	v1(&h, "PROXY TCP4 10.20.30.40 100.200.0.9 10 65535\r\n");
	ok(&h);
	ck_assert_str_eq(addr(&res.src), "10.20.30.40 10");
	ck_assert_str_eq(addr(&res.dst), "100.200.0.9 65535");
}
END_TEST

START_TEST(v2_tcp4)
{
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "192.0.2.1", "198.51.100.2", 40000, 443);
	v2_end(&h);
	ck_assert_uint_eq(h.n, 28);
	ok(&h);
	ck_assert_int_eq(res.version, 2);
	ck_assert(!res.local);
	ck_assert_str_eq(res.what, "TCP4");
	ck_assert_str_eq(addr(&res.src), "192.0.2.1 40000");
	ck_assert_str_eq(addr(&res.dst), "198.51.100.2 443");
	ck_assert_str_eq(res.authority, "");
	ck_assert(!res.ssl && !res.crc32c && res.dropped == 0);

	/* a longer address block than the family needs holds TLVs */
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "192.0.2.1", "198.51.100.2", 1, 2);
	tlv_str(&h, 0x02, "example.com");
	tlv_str(&h, 0x01, "h2");
	tlv(&h, 0x04, "\0\0\0\0\0", 5);			/* NOOP */
	tlv(&h, 0x04, "", 0);
	tlv(&h, 0xea, "\x01" "vpce-0123", 10);		/* AWS */
	tlv(&h, 0xee, "\x01\0\0\0\0", 5);		/* Azure */
	tlv_str(&h, 0x30, "netns");
	tlv(&h, 0xf8, "", 0);
	v2_end(&h);
	ok(&h);
	ck_assert_str_eq(res.authority, "example.com");
	ck_assert_str_eq(res.alpn, "h2");
	ck_assert_str_eq(addr(&res.src), "192.0.2.1 1");
}
END_TEST

START_TEST(v2_tcp6)
{
	v2_start(&h, 0x21, 0x21);
	v2_inet6(&h, "2001:db8::1", "2001:db8::ff", 65535, 0);
	v2_end(&h);
	ck_assert_uint_eq(h.n, 52);
	ok(&h);
	ck_assert_str_eq(res.what, "TCP6");
	ck_assert_str_eq(addr(&res.src), "2001:db8::1 65535");
	ck_assert_str_eq(addr(&res.dst), "2001:db8::ff 0");

	v2_start(&h, 0x21, 0x21);
	v2_inet6(&h, "::ffff:192.0.2.9", "::1", 5, 6);
	tlv_crc(&h);
	tlv_str(&h, 0x05, "unique-id-1");
	v2_end(&h);
	ok(&h);
	ck_assert(res.crc32c);
	ck_assert_str_eq(res.unique_id, "unique-id-1");
	ck_assert_str_eq(addr(&res.src), "::ffff:192.0.2.9 5");
}
END_TEST

START_TEST(v2_local)
{
	/* AWS NLB health check: LOCAL, TCPv4 family, dummy addresses */
	v2_start(&h, 0x20, 0x11);
	v2_inet(&h, "10.0.0.1", "10.0.0.2", 1234, 80);
	v2_end(&h);
	ok(&h);
	ck_assert(res.local);
	ck_assert_str_eq(res.what, "LOCAL");
	ck_assert_uint_eq(res.length, 28);
	ck_assert_int_eq(res.src.ss_family, AF_UNSPEC);

	v2_start(&h, 0x20, 0x00);
	v2_end(&h);
	ok(&h);
	ck_assert(res.local);
	ck_assert_uint_eq(res.length, 16);

	/* the family is ignored, whatever it is, and so is the block */
	v2_start(&h, 0x20, 0x41);
	put(&h, "\xff\xff\xff", 3);
	v2_end(&h);
	ok(&h);
	ck_assert_uint_eq(res.length, 19);
	v2_start(&h, 0x20, 0x12);
	v2_end(&h);
	ok(&h);
	v2_start(&h, 0x20, 0x21);		/* shorter than IPv6 needs */
	put(&h, "abc", 3);
	v2_end(&h);
	ok(&h);
	ck_assert(res.local);
	ck_assert_str_eq(res.authority, "");
}
END_TEST

START_TEST(v2_unspec_and_unix)
{
	v2_start(&h, 0x21, 0x00);
	v2_end(&h);
	ok(&h);
	ck_assert(res.local);
	ck_assert_str_eq(res.what, "UNSPEC");
	v2_start(&h, 0x21, 0x00);
	put(&h, "\x02\x00\x05hello", 8);	/* looks like a TLV: skipped */
	v2_end(&h);
	ok(&h);
	ck_assert_uint_eq(res.length, 24);
	ck_assert_str_eq(res.authority, "");

	/* UNIX stream: the real endpoints, but the TLVs are read */
	v2_start(&h, 0x21, 0x31);
	while (h.n < 16 + 216)
		put8(&h, 'p');
	v2_end(&h);
	ck_assert_uint_eq(h.n, 232);
	ok(&h);
	ck_assert(res.local);
	ck_assert_str_eq(res.what, "UNIX");
	tlv_str(&h, 0x02, "unix.example");
	v2_end(&h);
	ok(&h);
	ck_assert_str_eq(res.authority, "unix.example");
	h.n -= 3;
	v2_end(&h);
	bad(&h, "bad-tlv");

	v2_start(&h, 0x21, 0x31);
	while (h.n < 16 + 215)
		put8(&h, 'p');
	v2_end(&h);
	bad(&h, "bad-length");
}
END_TEST

START_TEST(v2_fixed_part_errors)
{
	static const unsigned int dgram[] = { 0x12, 0x22, 0x32 };
	static const unsigned int fam[] = {
		0x41, 0x01, 0x02, 0x10, 0x13, 0x20, 0x30, 0x33, 0x40, 0xff,
	};
	static const unsigned int vc[][2] = {
		{ 0x11, 0 }, { 0x10, 0 }, { 0x31, 0 }, { 0x01, 0 }, { 0xf1, 0 },
		{ 0x22, 1 }, { 0x2f, 1 }, { 0x23, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(dgram) / sizeof(dgram[0]); i++) {
		v2_start(&h, 0x21, dgram[i]);
		while (h.n < 16 + 216)
			put8(&h, 0);
		v2_end(&h);
		bad(&h, "dgram");
		ck_assert_uint_eq(refused_at(&h, PROXY_ANY), 14);
	}
	for (i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		v2_start(&h, 0x21, fam[i]);
		v2_inet6(&h, "::1", "::1", 1, 1);
		v2_end(&h);
		bad(&h, "bad-family");
		ck_assert_uint_eq(refused_at(&h, PROXY_ANY), 14);
	}
	for (i = 0; i < sizeof(vc) / sizeof(vc[0]); i++) {
		v2_start(&h, vc[i][0], 0x11);
		v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
		v2_end(&h);
		bad(&h, vc[i][1] ? "bad-command" : "bad-version");
		ck_assert_uint_eq(refused_at(&h, PROXY_ANY), 13);
	}

	/* the address block shorter than the family needs */
	v2_start(&h, 0x21, 0x11);
	put(&h, "12345678901", 11);
	v2_end(&h);
	bad(&h, "bad-length");
	ck_assert_uint_eq(refused_at(&h, PROXY_ANY), 16);
	v2_start(&h, 0x21, 0x21);
	while (h.n < 16 + 35)
		put8(&h, 1);
	v2_end(&h);
	bad(&h, "bad-length");

	/* a damaged signature, wherever it is */
	for (i = 0; i < 12; i++) {
		v2_start(&h, 0x21, 0x11);
		v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
		v2_end(&h);
		h.b[i] ^= 0x01;
		bad(&h, "bad-signature");
		ck_assert_uint_eq(refused_at(&h, PROXY_ANY), i + 1);
	}
}
END_TEST

START_TEST(v2_size_cap)
{
	size_t fill;

	/* 4096 in all is fine by default, 4097 is not */
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
	fill = PROXY_HEADER_MAX_DEFAULT - h.n - 3;
	put8(&h, 0x04);
	put16(&h, fill);
	while (h.n < PROXY_HEADER_MAX_DEFAULT)
		put8(&h, 0);
	v2_end(&h);
	ok(&h);
	ck_assert_uint_eq(res.length, 4096);
	put8(&h, 0);
	h.b[16 + 12 + 1] = (fill + 1) >> 8;
	h.b[16 + 12 + 2] = (fill + 1) & 0xff;
	v2_end(&h);
	bad(&h, "too-big");
	/* refused on the length field, before the rest is read */
	ck_assert_uint_eq(refused_at(&h, PROXY_ANY), 16);
	ok_max(&h, PROXY_ANY, 8192);
	bad_max(&h, PROXY_ANY, 4096, "too-big");

	/* the cap is clamped: never below a UNIX block, never above 64k */
	v2_start(&h, 0x20, 0x31);
	while (h.n < 232)
		put8(&h, 0);
	v2_end(&h);
	ok_max(&h, PROXY_ANY, 1);
	put8(&h, 0);
	v2_end(&h);
	bad_max(&h, PROXY_ANY, 1, "too-big");

	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
	put8(&h, 0x04);
	put16(&h, 65535 - 12 - 3);
	while (h.n < PROXY_HEADER_MAX_LIMIT)
		put8(&h, 0);
	v2_end(&h);
	ck_assert_uint_eq(h.n, 65551);
	ok_max(&h, PROXY_ANY, (size_t)-1);
	bad(&h, "too-big");
}
END_TEST

START_TEST(v2_tlv_structure)
{
	/* a TLV longer than what is left */
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
	put8(&h, 0x02);
	put16(&h, 10);
	put(&h, "short", 5);
	v2_end(&h);
	bad(&h, "bad-tlv");
	/* unknown ones are checked too */
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
	put8(&h, 0xe0);
	put16(&h, 1);
	v2_end(&h);
	bad(&h, "bad-tlv");
	/* one or two bytes left over */
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
	put8(&h, 0x04);
	v2_end(&h);
	bad(&h, "bad-tlv");
	put8(&h, 0x00);
	v2_end(&h);
	bad(&h, "bad-tlv");
	put8(&h, 0x00);
	v2_end(&h);
	ok(&h);

	/* a type read here, twice */
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
	tlv_str(&h, 0x02, "a.example");
	tlv_str(&h, 0x02, "b.example");
	v2_end(&h);
	bad(&h, "bad-tlv");
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
	tlv_str(&h, 0x05, "a");
	tlv_str(&h, 0x04, "");
	tlv_str(&h, 0x04, "");
	tlv_str(&h, 0x05, "a");
	v2_end(&h);
	bad(&h, "bad-tlv");
}
END_TEST

START_TEST(v2_crc32c)
{
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "192.0.2.1", "192.0.2.2", 1000, 25);
	tlv_crc(&h);
	tlv_str(&h, 0x02, "mail.example");
	tlv_str(&h, 0x05, "id");
	v2_end(&h);
	ok(&h);
	ck_assert(res.crc32c);
	ck_assert_str_eq(res.authority, "mail.example");

	/* any other bit flipped: a different client, or damage */
	h.b[19] ^= 0x01;
	bad(&h, "bad-crc32c");
	h.b[19] ^= 0x01;
	h.b[h.crc_at + 3] ^= 0x80;
	bad(&h, "bad-crc32c");
	h.b[h.crc_at + 3] ^= 0x80;
	h.b[h.n - 1] ^= 0x20;
	bad(&h, "bad-crc32c");
	h.b[h.n - 1] ^= 0x20;
	ok(&h);

	/* the checksum in the last TLV, on a TCP6 header */
	v2_start(&h, 0x21, 0x21);
	v2_inet6(&h, "2001:db8::1", "2001:db8::2", 1, 2);
	tlv_str(&h, 0x01, "http/1.1");
	tlv_crc(&h);
	v2_end(&h);
	ok(&h);
	ck_assert(res.crc32c);

	/* only 4 bytes make a CRC32C, and only one */
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
	tlv(&h, 0x03, "abc", 3);
	v2_end(&h);
	bad(&h, "bad-tlv");
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
	tlv_crc(&h);
	tlv(&h, 0x03, "\0\0\0\0", 4);
	v2_end(&h);
	bad(&h, "bad-tlv");

	/* LOCAL skips its block unread, checksum and all */
	v2_start(&h, 0x20, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
	tlv(&h, 0x03, "\xde\xad\xbe\xef", 4);
	v2_end(&h);
	ok(&h);
	ck_assert(!res.crc32c);
}
END_TEST

START_TEST(v2_values)
{
	char id[300];

	memset(id, 'u', sizeof(id));
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
	tlv(&h, 0x05, id, 128);
	tlv_str(&h, 0x02, "h\xc3\xa9llo.example");	/* UTF-8 is kept */
	v2_end(&h);
	ok(&h);
	ck_assert_uint_eq(strlen(res.unique_id), 128);
	ck_assert_str_eq(res.authority, "h\xc3\xa9llo.example");
	ck_assert_uint_eq(res.dropped, 0);

	/* too long, or unsafe for the environment: dropped, header kept */
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
	tlv(&h, 0x05, id, 129);
	tlv(&h, 0x02, "evil\0.example", 13);
	tlv_str(&h, 0x01, "h2");
	v2_end(&h);
	ok(&h);
	ck_assert_str_eq(res.unique_id, "");
	ck_assert_str_eq(res.authority, "");
	ck_assert_str_eq(res.alpn, "h2");
	ck_assert_uint_eq(res.dropped, PROXY_DROP_UNIQUE_ID |
	    PROXY_DROP_AUTHORITY);
	ck_assert_str_eq(addr(&res.src), "1.2.3.4 1");

	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
	tlv_str(&h, 0x02, "a.example\nX-Forged: 1");
	tlv_str(&h, 0x01, "h2\r");
	tlv(&h, 0x05, "\x01\x02\x03", 3);		/* binary: opaque */
	v2_end(&h);
	ok(&h);
	ck_assert_uint_eq(res.dropped, PROXY_DROP_AUTHORITY |
	    PROXY_DROP_ALPN | PROXY_DROP_UNIQUE_ID);

	memset(id, 'a', sizeof(id));
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
	tlv(&h, 0x02, id, 255);
	tlv(&h, 0x01, id, 256);
	v2_end(&h);
	ok(&h);
	ck_assert_uint_eq(strlen(res.authority), 255);
	ck_assert_uint_eq(res.dropped, PROXY_DROP_ALPN);
}
END_TEST

static void
ssl_tlv(struct hdr *x, unsigned int client, uint32_t verify,
    const struct hdr *sub)
{
	put8(x, 0x20);
	put16(x, 5 + sub->n);
	put8(x, client);
	put16(x, verify >> 16);
	put16(x, verify & 0xffff);
	put(x, sub->b, sub->n);
}

START_TEST(v2_ssl)
{
	static struct hdr sub;

	memset(&sub, 0, sizeof(sub));
	tlv_str(&sub, 0x21, "TLSv1.3");
	tlv_str(&sub, 0x24, "RSA-SHA256");		/* SIG_ALG: skipped */
	tlv_str(&sub, 0x22, "client.example");
	tlv_str(&sub, 0x23, "TLS_AES_256_GCM_SHA384");
	tlv_str(&sub, 0x25, "RSA2048");
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 443);
	tlv_crc(&h);
	tlv_str(&h, 0x02, "www.example");
	ssl_tlv(&h, 0x07, 0, &sub);
	v2_end(&h);
	ok(&h);
	ck_assert(res.ssl && res.crc32c);
	ck_assert_uint_eq(res.ssl_client, 0x07);
	ck_assert_uint_eq(res.ssl_verify, 0);
	ck_assert_str_eq(res.ssl_version, "TLSv1.3");
	ck_assert_str_eq(res.ssl_cn, "client.example");
	ck_assert_str_eq(res.ssl_cipher, "TLS_AES_256_GCM_SHA384");
	ck_assert_str_eq(res.authority, "www.example");

	/* not over TLS: the sub-TLVs mean nothing and are not read */
	memset(&sub, 0, sizeof(sub));
	tlv_str(&sub, 0x21, "TLSv1.3");
	put(&sub, "\x22\xff", 2);			/* would overrun */
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 443);
	ssl_tlv(&h, 0x00, 0x12345678, &sub);
	v2_end(&h);
	ok(&h);
	ck_assert(res.ssl);
	ck_assert_uint_eq(res.ssl_verify, 0x12345678);
	ck_assert_str_eq(res.ssl_version, "");
	/* over TLS, the same sub-TLVs are an error */
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 443);
	ssl_tlv(&h, 0x01, 0, &sub);
	v2_end(&h);
	bad(&h, "bad-tlv");

	/* too short for client and verify */
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 443);
	tlv(&h, 0x20, "\x01\0\0\0", 4);
	v2_end(&h);
	bad(&h, "bad-tlv");
	/* a sub-type twice */
	memset(&sub, 0, sizeof(sub));
	tlv_str(&sub, 0x22, "a");
	tlv_str(&sub, 0x22, "b");
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 443);
	ssl_tlv(&h, 0x03, 1, &sub);
	v2_end(&h);
	bad(&h, "bad-tlv");
	/* a CN with a newline is dropped, the rest kept */
	memset(&sub, 0, sizeof(sub));
	tlv_str(&sub, 0x22, "evil\ncn");
	tlv_str(&sub, 0x21, "TLSv1.2");
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 443);
	ssl_tlv(&h, 0x03, 1, &sub);
	v2_end(&h);
	ok(&h);
	ck_assert_str_eq(res.ssl_cn, "");
	ck_assert_str_eq(res.ssl_version, "TLSv1.2");
	ck_assert_uint_eq(res.dropped, PROXY_DROP_SSL_CN);
	ck_assert_uint_eq(res.ssl_verify, 1);
}
END_TEST

/*
 * The SSL TLV's verify word for the handler, as mod_ssl's
 * SSL_CLIENT_VERIFY: hand-made headers, parsed, then proxied_vars().
 */
static const char *
verify_var(unsigned int client, uint32_t verify, int with_ssl_tlv)
{
	static struct hdr sub;
	static struct proxied px;
	static struct conn_info balancer;
	size_t i;

	memset(&sub, 0, sizeof(sub));
	tlv_str(&sub, 0x21, "TLSv1.3");
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 443);
	if (with_ssl_tlv)
		ssl_tlv(&h, client, verify, &sub);
	else
		tlv_str(&h, 0x02, "www.example");
	v2_end(&h);
	ok(&h);
	proxied_vars(&balancer, &res, &px);
	for (i = 0; i < px.nvars; i++)
		if (strncmp(px.var[i], "SSL_CLIENT_VERIFY=", 18) == 0)
			return px.var[i] + 18;
	return NULL;
}

START_TEST(v2_ssl_verify)
{
	/* PP2_CLIENT_SSL 1, _CERT_CONN 2, _CERT_SESS 4 */
	ck_assert_str_eq(verify_var(0x07, 0, 1), "SUCCESS");
	ck_assert_str_eq(verify_var(0x03, 0, 1), "SUCCESS");
	ck_assert_str_eq(verify_var(0x05, 0, 1), "SUCCESS");
	ck_assert_str_eq(verify_var(0x07, 20, 1), "FAILED");
	ck_assert_str_eq(verify_var(0x05, 0x80000000, 1), "FAILED");
	ck_assert_str_eq(verify_var(0x03, 1, 1), "FAILED");
	/* over TLS without a certificate: whatever the word says */
	ck_assert_str_eq(verify_var(0x01, 0, 1), "NONE");
	ck_assert_str_eq(verify_var(0x01, 1, 1), "NONE");
	/* a cleartext client (no PP2_CLIENT_SSL), or no SSL TLV: unset */
	ck_assert_ptr_null(verify_var(0x00, 0, 1));
	ck_assert_ptr_null(verify_var(0x06, 0, 1));
	ck_assert_ptr_null(verify_var(0, 0, 0));
	/* and the version beside it still comes through */
	ck_assert_str_eq(verify_var(0x07, 0, 1), "SUCCESS");
	ck_assert_str_eq(res.ssl_version, "TLSv1.3");
}
END_TEST

/* Longer than a v1-sized 108-byte buffer (apache/trafficserver#12191). */
START_TEST(v2_long_header)
{
	char name[256];

	memset(name, 'n', sizeof(name));
	memcpy(name + 250, ".test", 5);
	v2_start(&h, 0x21, 0x21);
	v2_inet6(&h, "2001:db8::10", "2001:db8::20", 50000, 8443);
	tlv_crc(&h);
	tlv(&h, 0x02, name, 255);
	tlv_str(&h, 0x05, "0123456789abcdef0123456789abcdef");
	v2_end(&h);
	ck_assert_uint_gt(h.n, 300);
	ok(&h);
	ck_assert_uint_eq(strlen(res.authority), 255);
	ck_assert_str_eq(addr(&res.src), "2001:db8::10 50000");
	ck_assert(res.crc32c);
}
END_TEST

/* How many reads a caller taking exactly what need() asks makes. */
static int
reads(const struct hdr *x)
{
	const char *why;
	size_t len = 0;
	int n, count = 0;

	while ((n = proxy_header_need(x->b, len, PROXY_ANY, 0, &why)) > 0) {
		len += n;
		ck_assert_uint_le(len, x->n);
		count++;
	}
	ck_assert_int_eq(n, 0);
	ck_assert_uint_eq(len, x->n);
	ok(x);
	return count;
}

START_TEST(exact_reads)
{
	v1(&h, "PROXY UNKNOWN\r\n");
	ck_assert_int_eq(reads(&h), 1);
	v1(&h, "PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n");
	ck_assert_int_eq(reads(&h), 2);			/* 15, 17 */
	v1(&h, "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
	ck_assert_int_eq(reads(&h), 2 + 47 - 32);	/* then bytewise */
	v1(&h, "PROXY TCP6 :: :: 0 0\r\n");
	ck_assert_int_eq(reads(&h), 2);
	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
	v2_end(&h);
	ck_assert_int_eq(reads(&h), 3);			/* 15, 1, 12 */
	v2_start(&h, 0x20, 0x00);
	v2_end(&h);
	ck_assert_int_eq(reads(&h), 2);			/* 15, 1 */
}
END_TEST

START_TEST(versions)
{
	const char *why;

	ck_assert_int_eq(proxy_header_need(NULL, 0, PROXY_ANY, 0, &why), 15);
	ck_assert_int_eq(proxy_header_need(NULL, 0, PROXY_V1, 0, &why), 15);
	ck_assert_int_eq(proxy_header_need(NULL, 0, PROXY_V2, 0, &why), 16);
	ck_assert_int_eq(proxy_header_need(NULL, 0, 0, 0, &why), 15);

	v1(&h, "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n");
	ok_max(&h, PROXY_V1, 0);
	ok_max(&h, 0, 0);
	bad_max(&h, PROXY_V2, 0, "v1-not-allowed");
	ck_assert_uint_eq(refused_at(&h, PROXY_V2), 1);
	v1(&h, "PROXY UNKNOWN\r\n");
	bad_max(&h, PROXY_V2, 0, "v1-not-allowed");

	v2_start(&h, 0x21, 0x11);
	v2_inet(&h, "1.2.3.4", "5.6.7.8", 1, 2);
	v2_end(&h);
	ok_max(&h, PROXY_V2, 0);
	bad_max(&h, PROXY_V1, 0, "v2-not-allowed");
	ck_assert_uint_eq(refused_at(&h, PROXY_V1), 1);
	v2_start(&h, 0x20, 0x00);
	v2_end(&h);
	bad_max(&h, PROXY_V1, 0, "v2-not-allowed");
	ok_max(&h, PROXY_V2, 0);
}
END_TEST

/* Never guess: whatever is not a header is refused at its first byte. */
START_TEST(not_a_header)
{
	static const char *const starts[] = {
		"GET / HTTP/1.1\r\n", "SSH-2.0-OpenSSH_9.2\r\n",
		"\x16\x03\x01\x02\x00\x01", "EHLO x\r\n", "\n",
		"\0\0\0\0", "QUIT\n",
	};
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		v1(&h, starts[i]);
		if (h.n == 0)
			h.n = 4;
		bad(&h, "bad-signature");
		ck_assert_uint_eq(refused_at(&h, PROXY_ANY), 1);
	}
	/* refused on the first byte that cannot be a signature's */
	v1(&h, "\r\r");
	bad(&h, "bad-signature");
	ck_assert_uint_eq(refused_at(&h, PROXY_ANY), 2);
	v1(&h, "PROXX");
	bad(&h, "bad-signature");
	ck_assert_uint_eq(refused_at(&h, PROXY_ANY), 5);
	memcpy(h.b, sig, 12);
	h.b[11] = 'X';
	h.n = 16;
	bad(&h, "bad-signature");
	ck_assert_uint_eq(refused_at(&h, PROXY_ANY), 12);

	/* but "\r\n\r\n" might still become a v2 signature: wait */
	v1(&h, "\r\n\r\n");
	bad(&h, "truncated");
	ck_assert_int_eq(proxy_header_need(h.b, 4, PROXY_ANY, 0, &why), 12);
}
END_TEST

/* pending.c: one source's share of the connections waiting for headers */
static int share_done;

static void
share_on_header(void *arg, struct pending_conn *pc,
    const struct proxy_result *hdr, const char *reason)
{
	(void)arg;
	(void)reason;
	ck_assert_ptr_nonnull(hdr);
	close(pc->a.fd);
	share_done++;
}

static void
share_source(struct source *src, unsigned char last)
{
	memset(src, 0, sizeof(*src));
	src->family = AF_INET;
	src->key[0] = 127;
	src->key[3] = last;
}

/* A silent connection from src waits; *peer is the sending end. */
static void
share_add(struct pending *p, const struct source *src, int *peer)
{
	struct arrival a;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(&a, 0, sizeof(a));
	a.fd = sv[0];
	ck_assert_int_eq(pending_add(p, &a, src, 0), 0);
	*peer = sv[1];
}

START_TEST(pending_share)
{
	static const struct pending_options o = { PROXY_V1, 4096, 5000 };
	static const char v1[] = "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n";
	struct pending p;
	struct source one, two;
	struct pollfd pfd[8];
	int peer[3], i, n;

	/* a quarter of --max-connections, at least 1 */
	pending_init(&p, 3, &o, share_on_header, NULL);
	ck_assert_int_eq(p.share, 1);
	pending_free(&p);
	pending_init(&p, 100, &o, share_on_header, NULL);
	ck_assert_int_eq(p.share, 25);
	pending_free(&p);

	pending_init(&p, 8, &o, share_on_header, NULL);
	share_source(&one, 1);
	share_source(&two, 2);
	share_add(&p, &one, &peer[0]);
	ck_assert_int_eq(pending_has_room(&p, &one), 1);
	share_add(&p, &one, &peer[1]);
	ck_assert_int_eq(pending_has_room(&p, &one), 0);
	/* another source has its own share */
	ck_assert_int_eq(pending_has_room(&p, &two), 1);
	share_add(&p, &two, &peer[2]);
	ck_assert_int_eq(pending_has_room(&p, &two), 1);
	/* a header that comes frees its place */
	share_done = 0;
	ck_assert_int_eq(write(peer[0], v1, strlen(v1)), (ssize_t)strlen(v1));
	n = pending_pollfds(&p, pfd);
	for (i = 0; i < n; i++)
		pfd[i].revents = POLLIN;
	pending_events(&p, pfd, n, 0);
	ck_assert_int_eq(share_done, 1);
	ck_assert_int_eq(p.n, 2);
	ck_assert_int_eq(pending_has_room(&p, &one), 1);
	pending_free(&p);
	for (i = 0; i < 3; i++)
		close(peer[i]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("proxy");
	TCase *tc = tcase_create("proxy");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, crc32c_vector);
	tcase_add_test(tc, v1_tcp4);
	tcase_add_test(tc, v1_tcp6);
	tcase_add_test(tc, v1_tcp6_bad);
	tcase_add_test(tc, v1_unknown);
	tcase_add_test(tc, v1_line_endings);
	tcase_add_test(tc, v1_spaces_and_fields);
	tcase_add_test(tc, v1_numbers);
	tcase_add_test(tc, v2_tcp4);
	tcase_add_test(tc, v2_tcp6);
	tcase_add_test(tc, v2_local);
	tcase_add_test(tc, v2_unspec_and_unix);
	tcase_add_test(tc, v2_fixed_part_errors);
	tcase_add_test(tc, v2_size_cap);
	tcase_add_test(tc, v2_tlv_structure);
	tcase_add_test(tc, v2_crc32c);
	tcase_add_test(tc, v2_values);
	tcase_add_test(tc, v2_ssl);
	tcase_add_test(tc, v2_ssl_verify);
	tcase_add_test(tc, v2_long_header);
	tcase_add_test(tc, exact_reads);
	tcase_add_test(tc, versions);
	tcase_add_test(tc, not_a_header);
	tcase_add_test(tc, pending_share);
	suite_add_tcase(s, tc);
	return check_run(s);
}
