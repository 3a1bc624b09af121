#ifndef SOCKBRIDGE_SIPHASH_H
#define SOCKBRIDGE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN	16

uint64_t	siphash24(const unsigned char *, const void *, size_t);

#endif
