/*
 * fuzz_number: parse_number, under every option and variable that takes
 * a number.  The first 16 bytes are the bounds (min < max, as every
 * caller passes them: for min == max libbsd's strtonum calls a number too
 * small "too large"), the rest the text.  A number accepted is what
 * strtoll(3) reads from all of the text, within the bounds; a number
 * refused has one of strtonum's three reasons, and the right one (libbsd
 * calls a number past the range of long long too large or too small even
 * with text after it).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "parse.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long long min, max, n, v;
	const char *why;
	char *s, *end;
	int err;

	if (size < 2 * sizeof(long long))
		return 0;
	memcpy(&min, data, sizeof(min));
	memcpy(&max, data + sizeof(min), sizeof(max));
	if (min > max) {
		v = min;
		min = max;
		max = v;
	}
	if (min == max)
		return 0;
	s = fuzz_string(data + 2 * sizeof(min), size - 2 * sizeof(min));
	n = parse_number(s, min, max, &why);
	errno = 0;
	v = strtoll(s, &end, 10);
	err = errno;
	if (why == NULL) {
		CHECK(n >= min && n <= max);
		CHECK(err == 0 && end != s && *end == '\0' && v == n);
	} else {
		CHECK(n == -1);
		if (strcmp(why, "invalid") == 0)
			CHECK(end == s || *end != '\0');
		else if (strcmp(why, "too small") == 0)
			CHECK((err == ERANGE && v == LLONG_MIN) ||
			    (err == 0 && *end == '\0' && end != s && v < min));
		else if (strcmp(why, "too large") == 0)
			CHECK((err == ERANGE && v == LLONG_MAX) ||
			    (err == 0 && *end == '\0' && end != s && v > max));
		else
			CHECK(!"no such reason");
	}
	free(s);
	return 0;
}
