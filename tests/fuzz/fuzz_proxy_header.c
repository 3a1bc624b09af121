/*
 * fuzz_proxy_header: arbitrary bytes as the start of a connection that
 * must begin with a PROXY header, under each versions setting and a few
 * caps.  The input sits in a buffer of exactly its size, so a read past
 * len is a crash.  Invariants:
 *  - need() is -1, 0, or n > 0 with len + n <= the cap; a refusal is
 *    final (no longer prefix is accepted) and gives a known reason;
 *  - parse() agrees with need(): it succeeds only when need() says 0,
 *    says "truncated" when need() wants more, and gives need's reason;
 *  - a parsed header is at most len bytes, every shorter prefix asks
 *    only for bytes inside it, exact reads reach exactly its length, and
 *    the same bytes followed by other bytes parse to the same result;
 *  - what it yields is well formed: families, NUL-terminated values
 *    without control bytes.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_header.h"

static const char *const reasons[] = {
	"bad-signature", "v1-not-allowed", "v2-not-allowed", "bad-v1-line",
	"v1-too-long", "bad-address", "bad-port", "bad-version",
	"bad-command", "bad-family", "dgram", "too-big", "bad-length",
	"bad-tlv", "bad-crc32c", "truncated",
};

static void	check_reason(const char *);
static void	check_value(const char *, size_t);
static void	check_result(const struct proxy_result *, size_t);
static void	check_header(const unsigned char *, size_t, size_t, int,
		    size_t, size_t, const struct proxy_result *);
static void	run(const unsigned char *, size_t, int, size_t);
static size_t	effective(size_t);

static void
check_reason(const char *why)
{
	size_t i;

	if (why == NULL)
		abort();
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(why, reasons[i]) == 0)
			return;
	abort();
}

static void
check_value(const char *s, size_t size)
{
	size_t i;

	for (i = 0; i < size && s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
	if (i == size)
		abort();	/* not NUL-terminated */
}

static void
check_result(const struct proxy_result *r, size_t len)
{
	if (r->length == 0 || r->length > len || r->what == NULL)
		abort();
	if (r->version != 1 && r->version != 2)
		abort();
	if (!r->local && (r->src.ss_family != r->dst.ss_family ||
	    (r->src.ss_family != AF_INET && r->src.ss_family != AF_INET6)))
		abort();
	if (r->local && (r->src.ss_family != 0 || r->dst.ss_family != 0))
		abort();
	if (r->version == 1 && r->length > PROXY_V1_MAX)
		abort();
	check_value(r->alpn, sizeof(r->alpn));
	check_value(r->authority, sizeof(r->authority));
	check_value(r->unique_id, sizeof(r->unique_id));
	check_value(r->ssl_version, sizeof(r->ssl_version));
	check_value(r->ssl_cn, sizeof(r->ssl_cn));
	check_value(r->ssl_cipher, sizeof(r->ssl_cipher));
}

static size_t
effective(size_t max)
{
	if (max == 0)
		return PROXY_HEADER_MAX_DEFAULT;
	if (max < PROXY_HEADER_MAX_MIN)
		return PROXY_HEADER_MAX_MIN;
	if (max > PROXY_HEADER_MAX_LIMIT)
		return PROXY_HEADER_MAX_LIMIT;
	return max;
}

/* A header of hlen bytes was parsed from data[0..size) into r. */
static void
check_header(const unsigned char *data, size_t size, size_t hlen,
    int versions, size_t max, size_t cap, const struct proxy_result *r)
{
	struct proxy_result again;
	const char *why;
	unsigned char *b;
	size_t k, len, extra;
	int n;

	check_result(r, size);
	if (hlen > cap)
		abort();
	/* the header alone, in its own exact buffer */
	if ((b = malloc(hlen + size)) == NULL)
		return;
	memcpy(b, data, hlen);
	if (proxy_header_need(b, hlen, versions, max, &why) != 0 ||
	    proxy_header_parse(b, hlen, versions, max, &again, &why) !=
	    (int)hlen || memcmp(&again, r, sizeof(again)) != 0)
		abort();
	/* ... followed by something else: the input again, reversed */
	extra = size;
	for (k = 0; k < extra; k++)
		b[hlen + k] = data[size - 1 - k] ^ 0x5a;
	if (proxy_header_parse(b, hlen + extra, versions, max, &again,
	    &why) != (int)hlen || memcmp(&again, r, sizeof(again)) != 0)
		abort();
	/* every prefix asks only for header bytes */
	for (k = 0; k < hlen; k++) {
		n = proxy_header_need(b, k, versions, max, &why);
		if (n <= 0 || k + n > hlen)
			abort();
	}
	/* exact reads, taking all that is asked each time */
	len = 0;
	while ((n = proxy_header_need(b, len, versions, max, &why)) > 0)
		len += n;
	if (n != 0 || len != hlen)
		abort();
	free(b);
}

static void
run(const unsigned char *data, size_t size, int versions, size_t max)
{
	struct proxy_result r;
	const char *nwhy = NULL, *pwhy = NULL, *why;
	size_t cap = effective(max), k, lim;
	int first, last = 0, m, n, p;

	n = proxy_header_need(data, size, versions, max, &nwhy);
	if (n < -1 || (n > 0 && size + n > cap))
		abort();
	if (n == -1)
		check_reason(nwhy);

	/*
	 * Prefix by prefix: "more" until the verdict, which then stays:
	 * once refused, refused; once complete, complete.
	 */
	lim = size < cap ? size : cap;
	first = 1;
	for (k = 0; k <= lim; k++) {
		m = proxy_header_need(data, k, versions, max, &why);
		if (m < -1 || (m > 0 && k + m > cap))
			abort();
		if (!first && last <= 0 && m != last)
			abort();
		first = 0;
		last = m;
	}

	p = proxy_header_parse(data, size, versions, max, &r, &pwhy);
	if (p == -1) {
		check_reason(pwhy);
		if (n > 0 && strcmp(pwhy, PROXY_REASON_TRUNCATED) != 0)
			abort();
		if (n == -1 && strcmp(pwhy, nwhy) != 0)
			abort();
		if (n == 0 && strcmp(pwhy, PROXY_REASON_TRUNCATED) == 0)
			abort();
		return;
	}
	if (n != 0 || p <= 0 || (size_t)p > size || r.length != (size_t)p)
		abort();
	check_header(data, size, (size_t)p, versions, max, cap, &r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *b;

	/* exactly size bytes, so reading one more is an ASan report */
	if ((b = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(b, data, size);
	run(b, size, PROXY_ANY, 0);
	run(b, size, PROXY_V1, 0);
	run(b, size, PROXY_V2, 0);
	run(b, size, 0, 1);			/* clamped to the minimum */
	run(b, size, PROXY_ANY, SIZE_MAX);	/* clamped to 16 + 65535 */
	free(b);
	return 0;
}
