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

#include "fuzz.h"
#include "proxy_header.h"

static const char *const reasons[] = {
	"bad-signature", "v1-not-allowed", "v2-not-allowed", "bad-v1-line",
	"v1-too-long", "bad-address", "bad-port", "bad-version",
	"bad-command", "bad-family", "dgram", "too-big", "bad-length",
	"bad-tlv", "bad-crc32c", "truncated",
};

static int	known_reason(const char *);
static int	env_safe(const char *);
static void	check_result(const struct proxy_result *, size_t);
static void	check_header(const unsigned char *, size_t, size_t, int,
		    size_t, size_t, const struct proxy_result *);
static void	run(const unsigned char *, size_t, int, size_t);
static size_t	effective(size_t);

static int
known_reason(const char *why)
{
	size_t i;

	if (why == NULL)
		return 0;
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(why, reasons[i]) == 0)
			return 1;
	return 0;
}

/* No control byte: the value goes into the environment as it is. */
static int
env_safe(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static void
check_result(const struct proxy_result *r, size_t len)
{
	CHECK(r->length > 0 && r->length <= len && r->what != NULL);
	CHECK(r->version == 1 || r->version == 2);
	if (r->local)
		CHECK(r->src.ss_family == 0 && r->dst.ss_family == 0);
	else
		CHECK(r->src.ss_family == r->dst.ss_family &&
		    (r->src.ss_family == AF_INET ||
		    r->src.ss_family == AF_INET6));
	if (r->version == 1)
		CHECK(r->length <= PROXY_V1_MAX);
	CHECK(TERMINATED(r->alpn) && env_safe(r->alpn));
	CHECK(TERMINATED(r->authority) && env_safe(r->authority));
	CHECK(TERMINATED(r->unique_id) && env_safe(r->unique_id));
	CHECK(TERMINATED(r->ssl_version) && env_safe(r->ssl_version));
	CHECK(TERMINATED(r->ssl_cn) && env_safe(r->ssl_cn));
	CHECK(TERMINATED(r->ssl_cipher) && env_safe(r->ssl_cipher));
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
	size_t k, len;
	int n;

	check_result(r, size);
	CHECK(hlen <= cap);
	/* the header alone, in a buffer of its size */
	if ((b = malloc(hlen)) == NULL)
		abort();
	memcpy(b, data, hlen);
	CHECK(proxy_header_need(b, hlen, versions, max, &why) == 0);
	CHECK(proxy_header_parse(b, hlen, versions, max, &again, &why) ==
	    (int)hlen);
	CHECK(memcmp(&again, r, sizeof(again)) == 0);
	/* every prefix asks only for header bytes */
	for (k = 0; k < hlen; k++) {
		n = proxy_header_need(b, k, versions, max, &why);
		CHECK(n > 0 && k + n <= hlen);
	}
	/* exact reads, taking all that is asked each time */
	len = 0;
	while ((n = proxy_header_need(b, len, versions, max, &why)) > 0)
		len += n;
	CHECK(n == 0 && len == hlen);
	free(b);
	/* followed by other bytes than before: the input reversed */
	if ((b = malloc(hlen + size)) == NULL)
		abort();
	memcpy(b, data, hlen);
	for (k = 0; k < size; k++)
		b[hlen + k] = data[size - 1 - k] ^ 0x5a;
	CHECK(proxy_header_parse(b, hlen + size, versions, max, &again,
	    &why) == (int)hlen);
	CHECK(memcmp(&again, r, sizeof(again)) == 0);
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
	CHECK(n >= -1 && (n <= 0 || size + n <= cap));
	if (n == -1)
		CHECK(known_reason(nwhy));

	/*
	 * Prefix by prefix: "more" until the verdict, which then stays:
	 * once refused, refused; once complete, complete.
	 */
	lim = size < cap ? size : cap;
	first = 1;
	for (k = 0; k <= lim; k++) {
		m = proxy_header_need(data, k, versions, max, &why);
		CHECK(m >= -1 && (m <= 0 || k + m <= cap));
		CHECK(first || last > 0 || m == last);
		first = 0;
		last = m;
	}

	p = proxy_header_parse(data, size, versions, max, &r, &pwhy);
	if (p == -1) {
		CHECK(known_reason(pwhy));
		if (n > 0)
			CHECK(strcmp(pwhy, PROXY_REASON_TRUNCATED) == 0);
		if (n == -1)
			CHECK(strcmp(pwhy, nwhy) == 0);
		if (n == 0)
			CHECK(strcmp(pwhy, PROXY_REASON_TRUNCATED) != 0);
		return;
	}
	CHECK(n == 0 && p > 0 && (size_t)p <= size && r.length == (size_t)p);
	check_header(data, size, (size_t)p, versions, max, cap, &r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *b;

	/* exactly size bytes, so reading one more is an ASan report */
	if ((b = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(b, data, size);
	run(b, size, PROXY_ANY, 0);
	run(b, size, PROXY_V1, 0);
	run(b, size, PROXY_V2, 0);
	run(b, size, 0, 1);			/* clamped to the minimum */
	run(b, size, PROXY_ANY, SIZE_MAX);	/* clamped to 16 + 65535 */
	free(b);
	return 0;
}
