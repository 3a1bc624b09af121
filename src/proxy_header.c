/*
 * proxy_header.c: the PROXY protocol v1/v2 header, measured (how many
 * more bytes may be read without reading past it) and parsed.  The rules
 * and the reading strategy are in proxy_header.h.  Everything here looks
 * only at buf[0..len), and, once the header's length is known, only at
 * the header: what follows it belongs to the handler.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <string.h>

#include "proxy_header.h"

#define V1_SIG		"PROXY "
#define V1_SIG_LEN	6
#define V1_MIN		15	/* "PROXY UNKNOWN\r\n" */
#define V1_MIN_TCP4	32	/* "PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n" */
#define V1_MIN_TCP6	22	/* "PROXY TCP6 :: :: 0 0\r\n" */
#define V2_SIG_LEN	12
#define V2_FIXED	16	/* signature, ver_cmd, fam, len */
#define V2_CMD_LOCAL	0x0
#define V2_CMD_PROXY	0x1

/* v2 family/transport bytes */
#define V2_UNSPEC	0x00
#define V2_TCP4		0x11
#define V2_UDP4		0x12
#define V2_TCP6		0x21
#define V2_UDP6		0x22
#define V2_UNIX_STREAM	0x31
#define V2_UNIX_DGRAM	0x32

#define TLV_ALPN	0x01
#define TLV_AUTHORITY	0x02
#define TLV_CRC32C	0x03
#define TLV_UNIQUE_ID	0x05
#define TLV_SSL		0x20
#define TLV_SSL_VERSION	0x21
#define TLV_SSL_CN	0x22
#define TLV_SSL_CIPHER	0x23
#define TLV_HEAD	3	/* type, length (2 bytes, network order) */
#define SSL_HEAD	5	/* client (1 byte), verify (4 bytes) */

/* "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" */
#define V6_TEXT_MAX	45

static const unsigned char v2_sig[V2_SIG_LEN] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

static size_t	cap(size_t);
static int	prefix_of(const unsigned char *, size_t, const void *, size_t);
static int	measure(const unsigned char *, size_t, int, size_t, size_t *,
		    const char **);
static int	v1_measure(const unsigned char *, size_t, size_t *,
		    const char **);
static int	v1_word_ok(const unsigned char *, size_t, int);
static int	v2_measure(const unsigned char *, size_t, size_t, size_t *,
		    const char **);
static size_t	v2_addr_len(int);
static int	v1_parse(const unsigned char *, size_t, struct proxy_result *,
		    const char **);
static int	v1_field(const unsigned char **, const unsigned char *,
		    const unsigned char **, size_t *);
static int	v1_address(int, const unsigned char *, size_t,
		    struct sockaddr_storage *);
static int	v1_ipv4(const unsigned char *, size_t, struct in_addr *);
static int	v1_port(const unsigned char *, size_t, uint16_t *);
static int	v2_parse(const unsigned char *, size_t, struct proxy_result *,
		    const char **);
static int	next_tlv(const unsigned char *, size_t, size_t *, int *,
		    const unsigned char **, size_t *);
static int	first_time(uint64_t *, int);
static int	v2_tlvs(const unsigned char *, size_t, size_t,
		    struct proxy_result *, const char **);
static int	v2_ssl(const unsigned char *, size_t, struct proxy_result *,
		    const char **);
static void	copy_value(char *, size_t, const unsigned char *, size_t,
		    unsigned int, unsigned int *);
static uint16_t	be16(const unsigned char *);
static uint32_t	be32(const unsigned char *);

int
proxy_header_need(const unsigned char *buf, size_t len, int versions,
    size_t max, const char **reason)
{
	size_t total;

	switch (measure(buf, len, versions, cap(max), &total, reason)) {
	case -1:
		return -1;
	case 0:
		return 0;
	default:
		return (int)(total - len);
	}
}

int
proxy_header_parse(const unsigned char *buf, size_t len, int versions,
    size_t max, struct proxy_result *out, const char **reason)
{
	size_t total;
	int r;

	memset(out, 0, sizeof(*out));
	r = measure(buf, len, versions, cap(max), &total, reason);
	if (r == 1)
		*reason = PROXY_REASON_TRUNCATED;
	if (r != 0)
		return -1;
	if (buf[0] == 'P')
		r = v1_parse(buf, total, out, reason);
	else
		r = v2_parse(buf, total, out, reason);
	if (r == -1) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->length = total;
	return (int)total;
}

uint32_t
proxy_crc32c(uint32_t crc, const unsigned char *p, size_t n)
{
	int k;

	crc = ~crc;
	while (n-- > 0) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78U & (0U - (crc & 1)));
	}
	return ~crc;
}

/* A cap below the longest fixed-size header would refuse LOCAL checks. */
static size_t
cap(size_t max)
{
	if (max == 0)
		return PROXY_HEADER_MAX_DEFAULT;
	if (max < PROXY_HEADER_MAX_MIN)
		return PROXY_HEADER_MAX_MIN;
	if (max > PROXY_HEADER_MAX_LIMIT)
		return PROXY_HEADER_MAX_LIMIT;
	return max;
}

/* Whether what has arrived so far could still be the start of sig. */
static int
prefix_of(const unsigned char *buf, size_t len, const void *sig, size_t n)
{
	return memcmp(buf, sig, len < n ? len : n) == 0;
}

/*
 * The header's length so far: -1 invalid; 0 complete, *total its
 * length; 1 incomplete, *total the least it can be (more than len).
 * The first byte tells the versions apart ('P' or CR), so each byte is
 * judged as soon as it arrives, and a verdict never changes later.
 */
static int
measure(const unsigned char *buf, size_t len, int versions, size_t max,
    size_t *total, const char **reason)
{
	if ((versions & PROXY_ANY) == 0)
		versions = PROXY_ANY;
	if (len == 0) {
		*total = versions & PROXY_V1 ? V1_MIN : V2_FIXED;
		return 1;
	}
	if (prefix_of(buf, len, V1_SIG, V1_SIG_LEN)) {
		if (!(versions & PROXY_V1)) {
			*reason = "v1-not-allowed";
			return -1;
		}
		return v1_measure(buf, len, total, reason);
	}
	if (prefix_of(buf, len, v2_sig, V2_SIG_LEN)) {
		if (!(versions & PROXY_V2)) {
			*reason = "v2-not-allowed";
			return -1;
		}
		return v2_measure(buf, len, max, total, reason);
	}
	*reason = "bad-signature";
	return -1;
}

/*
 * A v1 line ends at the first CRLF, within 107 bytes; a CR or LF on its
 * own is an error.  No length field, so until the CRLF the line may end
 * at any next byte: ask for one, or for what the shortest line of its
 * protocol still needs.
 */
static int
v1_measure(const unsigned char *buf, size_t len, size_t *total,
    const char **reason)
{
	size_t i, lim, least;

	lim = len < PROXY_V1_MAX ? len : PROXY_V1_MAX;
	for (i = V1_SIG_LEN; i < lim; i++) {
		if (buf[i] == '\n')
			goto bad;
		if (buf[i] != '\r')
			continue;
		if (i + 1 == len)
			break;
		if (buf[i + 1] != '\n')
			goto bad;
		if (i + 2 > PROXY_V1_MAX)
			goto long_line;
		if (!v1_word_ok(buf + V1_SIG_LEN, i - V1_SIG_LEN, 1))
			goto bad;
		*total = i + 2;
		return 0;
	}
	if (len >= PROXY_V1_MAX)
		goto long_line;
	if (len > V1_SIG_LEN && !v1_word_ok(buf + V1_SIG_LEN,
	    i - V1_SIG_LEN, 0))
		goto bad;
	least = V1_MIN;
	if (i >= V1_SIG_LEN + 5 && memcmp(buf + V1_SIG_LEN, "TCP4 ", 5) == 0)
		least = V1_MIN_TCP4;
	else if (i >= V1_SIG_LEN + 5 &&
	    memcmp(buf + V1_SIG_LEN, "TCP6 ", 5) == 0)
		least = V1_MIN_TCP6;
	*total = len + 1 > least ? len + 1 : least;
	return 1;

bad:
	*reason = "bad-v1-line";
	return -1;
long_line:
	*reason = "v1-too-long";
	return -1;
}

/*
 * The protocol word after "PROXY ": "TCP4 ", "TCP6 ", "UNKNOWN " or a
 * line that is just "UNKNOWN"; while incomplete, a start of one of them.
 */
static int
v1_word_ok(const unsigned char *p, size_t n, int complete)
{
	static const char *const words[] = { "TCP4 ", "TCP6 ", "UNKNOWN " };
	size_t i, wl;

	if (complete && n == 7 && memcmp(p, "UNKNOWN", 7) == 0)
		return 1;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		wl = strlen(words[i]);
		if (complete && n < wl)
			continue;
		if (memcmp(p, words[i], n < wl ? n : wl) == 0)
			return 1;
	}
	return 0;
}

/*
 * v2: 16 fixed bytes, then the length they announce.  The fixed bytes
 * are checked as they arrive; the rest (addresses, TLVs) is checked by
 * v2_parse once it is all there.  LOCAL ignores the family byte.
 */
static int
v2_measure(const unsigned char *buf, size_t len, size_t max, size_t *total,
    const char **reason)
{
	size_t t;
	int cmd, fam;

	if (len <= V2_SIG_LEN) {
		*total = V2_FIXED;
		return 1;
	}
	if (buf[V2_SIG_LEN] >> 4 != 2) {
		*reason = "bad-version";
		return -1;
	}
	cmd = buf[V2_SIG_LEN] & 0x0f;
	if (cmd != V2_CMD_LOCAL && cmd != V2_CMD_PROXY) {
		*reason = "bad-command";
		return -1;
	}
	if (len > V2_SIG_LEN + 1 && cmd == V2_CMD_PROXY) {
		fam = buf[V2_SIG_LEN + 1];
		if (fam == V2_UDP4 || fam == V2_UDP6 || fam == V2_UNIX_DGRAM) {
			*reason = "dgram";
			return -1;
		}
		if (fam != V2_UNSPEC && fam != V2_TCP4 && fam != V2_TCP6 &&
		    fam != V2_UNIX_STREAM) {
			*reason = "bad-family";
			return -1;
		}
	}
	if (len < V2_FIXED) {
		*total = V2_FIXED;
		return 1;
	}
	t = V2_FIXED + be16(buf + V2_SIG_LEN + 2);
	if (t > max) {
		*reason = "too-big";
		return -1;
	}
	if (cmd == V2_CMD_PROXY &&
	    t - V2_FIXED < v2_addr_len(buf[V2_SIG_LEN + 1])) {
		*reason = "bad-length";
		return -1;
	}
	*total = t;
	return len >= t ? 0 : 1;
}

static size_t
v2_addr_len(int fam)
{
	switch (fam) {
	case V2_TCP4:
		return 2 * 4 + 2 * 2;
	case V2_TCP6:
		return 2 * 16 + 2 * 2;
	case V2_UNIX_STREAM:
		return 2 * 108;
	default:
		return 0;
	}
}

/*
 * "PROXY" SP proto SP src SP dst SP sport SP dport CRLF, single spaces,
 * or "PROXY UNKNOWN" and anything up to the CRLF.  v1_measure found the
 * CRLF and checked the word; here the fields are taken apart.
 */
static int
v1_parse(const unsigned char *buf, size_t total, struct proxy_result *out,
    const char **reason)
{
	const unsigned char *p, *end, *f[4];
	size_t n[4];
	uint16_t sport, dport;
	int af, i;

	out->version = 1;
	p = buf + V1_SIG_LEN;
	end = buf + total - 2;
	if ((size_t)(end - p) >= 7 && memcmp(p, "UNKNOWN", 7) == 0) {
		out->local = 1;
		out->what = "UNKNOWN";
		return 0;
	}
	/* v1_measure let only "TCP4 " and "TCP6 " through to here */
	af = p[3] == '4' ? AF_INET : AF_INET6;
	out->what = af == AF_INET ? "TCP4" : "TCP6";
	p += 4;
	for (i = 0; i < 4; i++)
		if (!v1_field(&p, end, &f[i], &n[i]))
			goto bad;
	if (p != end)
		goto bad;
	if (!v1_address(af, f[0], n[0], &out->src) ||
	    !v1_address(af, f[1], n[1], &out->dst)) {
		*reason = "bad-address";
		return -1;
	}
	if (!v1_port(f[2], n[2], &sport) || !v1_port(f[3], n[3], &dport)) {
		*reason = "bad-port";
		return -1;
	}
	if (af == AF_INET) {
		((struct sockaddr_in *)&out->src)->sin_port = htons(sport);
		((struct sockaddr_in *)&out->dst)->sin_port = htons(dport);
	} else {
		((struct sockaddr_in6 *)&out->src)->sin6_port = htons(sport);
		((struct sockaddr_in6 *)&out->dst)->sin6_port = htons(dport);
	}
	return 0;

bad:
	*reason = "bad-v1-line";
	return -1;
}

/* One space, then a non-empty field up to the next space or the end. */
static int
v1_field(const unsigned char **pp, const unsigned char *end,
    const unsigned char **f, size_t *n)
{
	const unsigned char *p = *pp;

	if (p == end || *p != ' ')
		return 0;
	*f = ++p;
	while (p < end && *p != ' ')
		p++;
	*n = p - *f;
	*pp = p;
	return *n > 0;
}

static int
v1_address(int af, const unsigned char *f, size_t n,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char text[V6_TEXT_MAX + 1];
	size_t i;

	if (af == AF_INET) {
		sin->sin_family = AF_INET;
		return v1_ipv4(f, n, &sin->sin_addr);
	}
	/* inet_pton would also take "::1%lo" on some systems, never here */
	if (n > V6_TEXT_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (f[i] == '\0' || strchr("0123456789abcdefABCDEF:.",
		    f[i]) == NULL)
			return 0;
	memcpy(text, f, n);
	text[n] = '\0';
	sin6->sin6_family = AF_INET6;
	return inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1;
}

/*
 * Exactly four decimal numbers 0..255 and three dots, no leading zeros
 * (010 could be read as octal), as the spec says; checked by hand
 * because inet_pton's leniency is the C library's choice.
 */
static int
v1_ipv4(const unsigned char *f, size_t n, struct in_addr *in)
{
	unsigned char a[4];
	size_t i, digits;
	unsigned int v;
	int part;

	part = 0;
	v = 0;
	digits = 0;
	for (i = 0; i <= n; i++) {
		if (i == n || f[i] == '.') {
			if (digits == 0 || part > 3)
				return 0;
			a[part++] = (unsigned char)v;
			v = 0;
			digits = 0;
			continue;
		}
		if (f[i] < '0' || f[i] > '9')
			return 0;
		if (digits == 1 && v == 0)
			return 0;	/* a leading zero */
		v = v * 10 + (f[i] - '0');
		if (v > 255)
			return 0;
		digits++;
	}
	if (part != 4)
		return 0;
	memcpy(&in->s_addr, a, 4);
	return 1;
}

static int
v1_port(const unsigned char *f, size_t n, uint16_t *port)
{
	unsigned long v;
	size_t i;

	if (n == 0 || n > 5 || (n > 1 && f[0] == '0'))
		return 0;
	v = 0;
	for (i = 0; i < n; i++) {
		if (f[i] < '0' || f[i] > '9')
			return 0;
		v = v * 10 + (f[i] - '0');
	}
	if (v > 65535)
		return 0;
	*port = (uint16_t)v;
	return 1;
}

/* v2_measure checked the fixed part; total is the whole header. */
static int
v2_parse(const unsigned char *buf, size_t total, struct proxy_result *out,
    const char **reason)
{
	const unsigned char *a = buf + V2_FIXED;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&out->src;
	struct sockaddr_in *d4 = (struct sockaddr_in *)&out->dst;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->src;
	struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)&out->dst;
	int fam = buf[V2_SIG_LEN + 1];

	out->version = 2;
	if ((buf[V2_SIG_LEN] & 0x0f) == V2_CMD_LOCAL) {
		out->local = 1;
		out->what = "LOCAL";
		return 0;
	}
	switch (fam) {
	case V2_TCP4:
		out->what = "TCP4";
		s4->sin_family = d4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a, 4);
		memcpy(&d4->sin_addr, a + 4, 4);
		memcpy(&s4->sin_port, a + 8, 2);
		memcpy(&d4->sin_port, a + 10, 2);
		break;
	case V2_TCP6:
		out->what = "TCP6";
		s6->sin6_family = d6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a, 16);
		memcpy(&d6->sin6_addr, a + 16, 16);
		memcpy(&s6->sin6_port, a + 32, 2);
		memcpy(&d6->sin6_port, a + 34, 2);
		break;
	case V2_UNIX_STREAM:
		out->local = 1;
		out->what = "UNIX";
		break;
	default:
		/* UNSPEC: nothing says where addresses end and TLVs begin */
		out->local = 1;
		out->what = "UNSPEC";
		return 0;
	}
	return v2_tlvs(buf, V2_FIXED + v2_addr_len(fam), total, out, reason);
}

/*
 * The TLV at p[*off] within p[0..n): 1 and the next offset, 0 at the
 * end, -1 if a header or value runs past n.
 */
static int
next_tlv(const unsigned char *p, size_t n, size_t *off, int *type,
    const unsigned char **val, size_t *vlen)
{
	if (*off == n)
		return 0;
	if (n - *off < TLV_HEAD)
		return -1;
	*type = p[*off];
	*vlen = be16(p + *off + 1);
	if (*vlen > n - *off - TLV_HEAD)
		return -1;
	*val = p + *off + TLV_HEAD;
	*off += TLV_HEAD + *vlen;
	return 1;
}

/* Each type read here (all below 0x40) may come once. */
static int
first_time(uint64_t *seen, int type)
{
	uint64_t bit = (uint64_t)1 << (type & 0x3f);

	if (*seen & bit)
		return 0;
	*seen |= bit;
	return 1;
}

static int
v2_tlvs(const unsigned char *buf, size_t off, size_t total,
    struct proxy_result *out, const char **reason)
{
	static const unsigned char zero[4];
	uint64_t seen = 0;
	const unsigned char *v, *crc_at = NULL;
	size_t vlen;
	uint32_t crc;
	int r, type;

	while ((r = next_tlv(buf, total, &off, &type, &v, &vlen)) == 1) {
		switch (type) {
		case TLV_ALPN:
		case TLV_AUTHORITY:
		case TLV_CRC32C:
		case TLV_UNIQUE_ID:
		case TLV_SSL:
			if (!first_time(&seen, type))
				goto bad;
			break;
		default:
			continue;	/* NOOP, vendors', future ones */
		}
		switch (type) {
		case TLV_ALPN:
			copy_value(out->alpn, sizeof(out->alpn), v, vlen,
			    PROXY_DROP_ALPN, &out->dropped);
			break;
		case TLV_AUTHORITY:
			copy_value(out->authority, sizeof(out->authority), v,
			    vlen, PROXY_DROP_AUTHORITY, &out->dropped);
			break;
		case TLV_CRC32C:
			if (vlen != 4)
				goto bad;
			crc_at = v;
			break;
		case TLV_UNIQUE_ID:
			copy_value(out->unique_id, sizeof(out->unique_id), v,
			    vlen, PROXY_DROP_UNIQUE_ID, &out->dropped);
			break;
		case TLV_SSL:
			if (v2_ssl(v, vlen, out, reason) == -1)
				return -1;
			break;
		}
	}
	if (r == -1)
		goto bad;
	if (crc_at != NULL) {
		crc = proxy_crc32c(0, buf, crc_at - buf);
		crc = proxy_crc32c(crc, zero, sizeof(zero));
		crc = proxy_crc32c(crc, crc_at + 4, buf + total - crc_at - 4);
		if (crc != be32(crc_at)) {
			*reason = "bad-crc32c";
			return -1;
		}
		out->crc32c = 1;
	}
	return 0;

bad:
	*reason = "bad-tlv";
	return -1;
}

/* client, verify, then sub-TLVs, which mean something only over TLS. */
static int
v2_ssl(const unsigned char *p, size_t n, struct proxy_result *out,
    const char **reason)
{
	uint64_t seen = 0;
	const unsigned char *v;
	size_t off, vlen;
	int r, type;

	if (n < SSL_HEAD)
		goto bad;
	out->ssl = 1;
	out->ssl_client = p[0];
	out->ssl_verify = be32(p + 1);
	if (!(p[0] & PROXY_SSL_CLIENT_SSL))
		return 0;
	off = SSL_HEAD;
	while ((r = next_tlv(p, n, &off, &type, &v, &vlen)) == 1) {
		if (type != TLV_SSL_VERSION && type != TLV_SSL_CN &&
		    type != TLV_SSL_CIPHER)
			continue;
		if (!first_time(&seen, type))
			goto bad;
		if (type == TLV_SSL_VERSION)
			copy_value(out->ssl_version, sizeof(out->ssl_version),
			    v, vlen, PROXY_DROP_SSL_VERSION, &out->dropped);
		else if (type == TLV_SSL_CN)
			copy_value(out->ssl_cn, sizeof(out->ssl_cn), v, vlen,
			    PROXY_DROP_SSL_CN, &out->dropped);
		else
			copy_value(out->ssl_cipher, sizeof(out->ssl_cipher), v,
			    vlen, PROXY_DROP_SSL_CIPHER, &out->dropped);
	}
	if (r == 0)
		return 0;
bad:
	*reason = "bad-tlv";
	return -1;
}

/*
 * A value for the environment: copied only if it fits and has no
 * control byte (a NUL would cut it short, a newline forge a line).
 */
static void
copy_value(char *dst, size_t size, const unsigned char *v, size_t n,
    unsigned int bit, unsigned int *dropped)
{
	size_t i;

	if (n >= size)
		goto drop;
	for (i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] == 0x7f)
			goto drop;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return;
drop:
	*dropped |= bit;
}

static uint16_t
be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}
