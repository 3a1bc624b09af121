/*
 * fuzz_log_escape: the escaping of text from outside for the log.  The
 * first two bytes pick the output size, the rest is the text.  The output
 * is a C string within that size, of printable ASCII without space, '='
 * or '@', each backslash the start of three octal digits; decoded, it is
 * exactly the first (size - 1) / 4 bytes of the text or all of it, so
 * different texts are never logged alike.
 */
#include "config.h"

#include "log.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *in;
	char *out, *p;
	uint8_t *back;
	size_t outsize, len, want, n;

	if (size < 2)
		return 0;
	outsize = (data[0] | data[1] << 8) % (LOG_ESCAPED_SIZE(size) + 8);
	in = data + 2;
	len = size - 2;
	/* exactly outsize bytes, so that ASan sees a write past them */
	if ((out = malloc(outsize > 0 ? outsize : 1)) == NULL ||
	    (back = malloc(len + 1)) == NULL)
		abort();
	CHECK(log_escape(out, outsize, in, len) == out);
	if (outsize == 0) {
		free(out);
		free(back);
		return 0;
	}
	CHECK(memchr(out, '\0', outsize) != NULL);
	n = 0;
	for (p = out; *p != '\0'; p++) {
		CHECK(*p > ' ' && *p < 0x7f && *p != '=' && *p != '@');
		if (*p != '\\') {
			back[n++] = (uint8_t)*p;
			continue;
		}
		CHECK(p[1] >= '0' && p[1] <= '3' && p[2] >= '0' &&
		    p[2] <= '7' && p[3] >= '0' && p[3] <= '7');
		back[n++] = (p[1] - '0') << 6 | (p[2] - '0') << 3 |
		    (p[3] - '0');
		/* what needs no escape never gets one */
		CHECK(back[n - 1] <= ' ' || back[n - 1] >= 0x7f ||
		    back[n - 1] == '=' || back[n - 1] == '@' ||
		    back[n - 1] == '\\');
		p += 3;
	}
	want = len < (outsize - 1) / 4 ? len : (outsize - 1) / 4;
	CHECK(n == want && memcmp(back, in, n) == 0);
	free(out);
	free(back);
	return 0;
}
