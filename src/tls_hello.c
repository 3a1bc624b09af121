/*
 * tls_hello.c: the SNI peek.  Reads the server name out of the first bytes
 * of a connection (TLS records carrying a ClientHello, RFC 8446 4.1.2 and
 * RFC 6066 3) without OpenSSL, so that the one matching key is read while
 * still privileged and no crypto is spent on a client that sends nothing
 * or sends something else.  It does what nginx's ssl_preread does: pure,
 * bytes in, a name out, every length checked against what is there.  A
 * ClientHello may span records; their payloads are joined, up to
 * HELLO_MAX bytes of input.
 */
#include "config.h"

#include <string.h>

#include "tls_hello.h"

#define REC_HANDSHAKE		22
#define HS_CLIENT_HELLO		1
#define EXT_SERVER_NAME		0
#define NAME_TYPE_HOST		0
#define RECORD_MAX		(16384 + 2048)

/* A cursor over bytes that are all there: reads past the end fail. */
struct cur {
	const unsigned char *p;
	size_t	n;
};

static enum hello_status join_records(const unsigned char *, size_t,
		    unsigned char *, size_t *);
static int	parse_body(struct cur, struct hello *);
static int	parse_extensions(struct cur, struct hello *);
static int	parse_server_name(struct cur, struct hello *);
static int	take(struct cur *, size_t, struct cur *);
static int	take_vec(struct cur *, size_t, struct cur *);

enum hello_status
hello_parse(const unsigned char *buf, size_t len, struct hello *out)
{
	unsigned char msg[HELLO_MAX];
	enum hello_status st;
	struct cur c;
	size_t mlen, have;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return HELLO_MORE;
	if (buf[0] != REC_HANDSHAKE)
		return HELLO_NOT_TLS;
	if ((st = join_records(buf, len, msg, &have)) != HELLO_DONE)
		return st;
	if (have < 4)
		return len >= HELLO_MAX ? HELLO_BAD : HELLO_MORE;
	if (msg[0] != HS_CLIENT_HELLO)
		return HELLO_BAD;
	mlen = (size_t)msg[1] << 16 | (size_t)msg[2] << 8 | msg[3];
	if (mlen + 4 > sizeof(msg))
		return HELLO_BAD;
	if (have < mlen + 4)
		return len >= HELLO_MAX ? HELLO_BAD : HELLO_MORE;
	c.p = msg + 4;
	c.n = mlen;
	return parse_body(c, out) == 0 ? HELLO_DONE : HELLO_BAD;
}

/*
 * The handshake bytes of the whole records at the start of buf, in msg
 * (HELLO_MAX bytes), up to the record that completes the first message.
 * HELLO_DONE whatever their number (the caller sees whether they are
 * enough), HELLO_BAD for a record that is not a TLS 1.x handshake record
 * of a sane length.
 */
static enum hello_status
join_records(const unsigned char *buf, size_t len, unsigned char *msg,
    size_t *have)
{
	size_t off = 0, rlen;

	*have = 0;
	while (len - off >= 5) {
		if (buf[off] != REC_HANDSHAKE || buf[off + 1] != 3)
			return HELLO_BAD;
		rlen = (size_t)buf[off + 3] << 8 | buf[off + 4];
		if (rlen == 0 || rlen > RECORD_MAX)
			return HELLO_BAD;
		if (len - off - 5 < rlen)
			break;
		if (rlen > HELLO_MAX - *have)
			rlen = HELLO_MAX - *have;
		memcpy(msg + *have, buf + off + 5, rlen);
		*have += rlen;
		off += 5 + ((size_t)buf[off + 3] << 8 | buf[off + 4]);
		/* what follows a whole message is not the peek's business */
		if (*have == HELLO_MAX || (*have >= 4 && *have >= 4 +
		    ((size_t)msg[1] << 16 | (size_t)msg[2] << 8 | msg[3])))
			break;
	}
	return HELLO_DONE;
}

/* legacy_version, random, session id, suites, compression, extensions */
static int
parse_body(struct cur c, struct hello *out)
{
	struct cur skip, v;

	if (take(&c, 2 + 32, &skip) == -1 ||
	    take_vec(&c, 1, &v) == -1 || v.n > 32 ||
	    take_vec(&c, 2, &v) == -1 || v.n < 2 || v.n % 2 != 0 ||
	    take_vec(&c, 1, &v) == -1 || v.n < 1)
		return -1;
	if (c.n == 0)
		return 0;	/* no extensions: no name */
	if (take_vec(&c, 2, &v) == -1 || c.n != 0)
		return -1;
	return parse_extensions(v, out);
}

static int
parse_extensions(struct cur c, struct hello *out)
{
	struct cur type, data;
	int seen = 0;

	while (c.n > 0) {
		if (take(&c, 2, &type) == -1 || take_vec(&c, 2, &data) == -1)
			return -1;
		if ((type.p[0] << 8 | type.p[1]) != EXT_SERVER_NAME)
			continue;
		/* RFC 8446 4.2: no extension appears twice */
		if (seen++)
			return -1;
		if (parse_server_name(data, out) == -1)
			return -1;
	}
	return 0;
}

/* ServerNameList: the first host_name, the only type there is. */
static int
parse_server_name(struct cur c, struct hello *out)
{
	struct cur list, type, name;

	if (take_vec(&c, 2, &list) == -1 || c.n != 0 || list.n == 0)
		return -1;
	while (list.n > 0) {
		if (take(&list, 1, &type) == -1 ||
		    take_vec(&list, 2, &name) == -1)
			return -1;
		if (type.p[0] != NAME_TYPE_HOST || out->has_name)
			continue;
		out->has_name = 1;
		if (name.n > HELLO_NAME_MAX) {
			out->name_too_long = 1;
			continue;
		}
		memcpy(out->name, name.p, name.n);
		out->name[name.n] = '\0';
		out->namelen = name.n;
	}
	return 0;
}

/* The next n bytes. */
static int
take(struct cur *c, size_t n, struct cur *out)
{
	if (c->n < n)
		return -1;
	out->p = c->p;
	out->n = n;
	c->p += n;
	c->n -= n;
	return 0;
}

/* A vector with a big-endian length of lenbytes (1 or 2) bytes. */
static int
take_vec(struct cur *c, size_t lenbytes, struct cur *out)
{
	struct cur l;
	size_t n;

	if (take(c, lenbytes, &l) == -1)
		return -1;
	n = lenbytes == 1 ? l.p[0] : (size_t)(l.p[0] << 8 | l.p[1]);
	return take(c, n, out);
}
