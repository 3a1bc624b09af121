/*
 * tls_name.c: from the server name a client sent to the files of its
 * certificate under --cert-dir.  Nothing a client sends reaches a path
 * before it is a DNS name: lowercased, one trailing dot dropped, 1 to 253
 * bytes, labels of 1 to 63 letters, digits and '-', joined by single dots.
 * So no '/', no "..", no control byte, no '*' can be in it.  The files
 * are certbot's: DIR/NAME/fullchain.pem and DIR/NAME/privkey.pem.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tls_name.h"

#define LABEL_MAX	63

/*
 * The name of len raw bytes, cleaned into out (TLS_NAME_SIZE bytes).
 * 0, or -1 if it is no DNS name (out is then "").
 */
int
tls_name_clean(const char *raw, size_t len, char *out)
{
	size_t i, label = 0;
	unsigned char ch;

	*out = '\0';
	if (len > 0 && raw[len - 1] == '.')
		len--;
	if (len == 0 || len > TLS_NAME_SIZE - 1)
		return -1;
	for (i = 0; i < len; i++) {
		ch = (unsigned char)raw[i];
		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		if (ch == '.') {
			if (label == 0)
				goto bad;
			label = 0;
		} else if ((ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-') {
			if (++label > LABEL_MAX)
				goto bad;
		} else
			goto bad;
		out[i] = (char)ch;
	}
	if (label == 0)
		goto bad;
	out[len] = '\0';
	return 0;
bad:
	*out = '\0';
	return -1;
}

/*
 * The path, relative to --cert-dir, of FILE (TLS_NAME_CERT or
 * TLS_NAME_KEY) for a clean name: the name itself (wildcard 0), or "*."
 * and its parent (wildcard 1: one level only).  0, or -1 when there is no
 * such path (a name of one label has no parent).
 */
int
tls_name_paths(const char *name, int wildcard, const char *file, char *out,
    size_t size)
{
	const char *dot;
	int n;

	if (!wildcard)
		n = snprintf(out, size, "%s/%s", name, file);
	else {
		if ((dot = strchr(name, '.')) == NULL || dot[1] == '\0')
			return -1;
		n = snprintf(out, size, "*.%s/%s", dot + 1, file);
	}
	return n < 0 || (size_t)n >= size ? -1 : 0;
}
