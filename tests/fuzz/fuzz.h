/*
 * fuzz.h: what the libFuzzer targets share.  Each target checks properties
 * of what it parses, not only that it does not crash: CHECK aborts with the
 * property that failed, which libFuzzer reports as a crash with its input.
 */
#ifndef SOCKBRIDGE_FUZZ_H
#define SOCKBRIDGE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The input as a C string (cut at a NUL, as getenv or argv would); free it. */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Is s a NUL-terminated string within its size bytes? */
#define TERMINATED(s)	(memchr((s), '\0', sizeof(s)) != NULL)

#endif
