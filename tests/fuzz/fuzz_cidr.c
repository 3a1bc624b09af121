/*
 * fuzz_cidr: arbitrary bytes as a rule's address (--allow, --deny, the
 * first word of a --rules line).  What parses has no host bits, a prefix
 * in range, and a canonical text that parses back to the same network;
 * what does not gives a printable reason.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, why[256], text[CIDR_TEXT_MAX];
	struct cidr c, again, cut, addr;
	const char *p;
	size_t i;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	why[0] = '\0';
	if (cidr_parse(s, &c, why, sizeof(why)) == -1) {
		if (why[0] == '\0')
			abort();
		for (p = why; *p != '\0'; p++)
			if (*p < 0x20 || *p > 0x7e)
				abort();
		free(s);
		return 0;
	}
	if (c.family < 0 || c.family >= CIDR_NFAMILIES || c.len < 0 ||
	    c.len > cidr_bits(c.family))
		abort();
	if (c.family >= CIDR_UID && c.len != 32)
		abort();
	cidr_mask(&c, c.len, &cut);
	if (memcmp(&cut, &c, sizeof(c)) != 0)
		abort();
	cidr_text(&c, text, sizeof(text));
	if (cidr_parse(text, &again, why, sizeof(why)) == -1 ||
	    memcmp(&again, &c, sizeof(c)) != 0)
		abort();
	/* any address with the network's first len bits is inside it */
	addr = c;
	addr.len = cidr_bits(c.family);
	for (i = c.len; i < (size_t)addr.len; i++)
		if (size > 0 && data[i / 8 % size] >> i % 8 & 1)
			addr.key[i / 8] |= 0x80 >> i % 8;
	if (!cidr_contains(&c, &addr) || !cidr_contains(&c, &c))
		abort();
	if (cidr_common(&c, &addr, c.len) != c.len)
		abort();
	free(s);
	return 0;
}
