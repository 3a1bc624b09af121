/*
 * fuzz_sni: arbitrary bytes as the first bytes of a connection, to the
 * SNI peek (tls_hello.c).  The input sits in a buffer of exactly its
 * size, so a read past len is a crash.  Invariants:
 *  - a first byte other than 22 is HELLO_NOT_TLS, and only then;
 *  - a name is NUL-terminated at its length, at most HELLO_NAME_MAX bytes,
 *    and only a whole ClientHello gives one;
 *  - a whole ClientHello stays one with bytes after it, with the same
 *    name; every prefix of it asks for more or is already whole (a
 *    verdict never comes from bytes not yet read).
 */
#include "config.h"

#include "fuzz.h"
#include "tls_hello.h"

static void	check_one(const struct hello *, enum hello_status);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hello h, h2;
	enum hello_status st, st2;
	unsigned char *more;
	size_t cut;

	st = hello_parse(data, size, &h);
	check_one(&h, st);
	if (size > 0)
		CHECK((st == HELLO_NOT_TLS) == (data[0] != 22));
	if (st != HELLO_DONE)
		return 0;
	cut = size / 2;
	st2 = hello_parse(data, cut, &h2);
	CHECK(st2 == HELLO_MORE || st2 == HELLO_DONE);
	if ((more = malloc(size + 7)) == NULL)
		abort();
	memcpy(more, data, size);
	memset(more + size, 0x16, 7);
	st2 = hello_parse(more, size + 7, &h2);
	CHECK(st2 == HELLO_DONE);
	CHECK(h2.has_name == h.has_name && h2.namelen == h.namelen &&
	    memcmp(h2.name, h.name, h.namelen) == 0);
	free(more);
	return 0;
}

static void
check_one(const struct hello *h, enum hello_status st)
{
	CHECK(st == HELLO_MORE || st == HELLO_DONE || st == HELLO_NOT_TLS ||
	    st == HELLO_BAD);
	CHECK(h->namelen <= HELLO_NAME_MAX);
	CHECK(h->name[h->namelen] == '\0');
	if (st != HELLO_DONE)
		return;
	if (!h->has_name)
		CHECK(h->namelen == 0 && !h->name_too_long);
	if (h->name_too_long)
		CHECK(h->namelen == 0);
}
