/*
 * fuzz_sni_name: arbitrary bytes as a server name, to the mapping from a
 * name to files under --cert-dir (tls_name.c).  Invariants:
 *  - a name taken is 1 to 253 bytes of [a-z0-9.-], no empty label (so no
 *    "..", no leading or trailing dot), no label over 63 bytes;
 *  - cleaning is idempotent and ignores case and one trailing dot;
 *  - each path is relative, "NAME/FILE" or "*.PARENT/FILE", one '/'
 *    only, never "..": it stays inside the directory.
 */
#include "config.h"

#include <ctype.h>

#include "fuzz.h"
#include "tls_name.h"

static void	check_path(const char *, const char *);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[TLS_NAME_SIZE], again[TLS_NAME_SIZE];
	char path[TLS_NAME_PATH_SIZE];
	size_t i, len, label = 0;
	int wild;

	if (tls_name_clean((const char *)data, size, name) == -1) {
		CHECK(name[0] == '\0');
		return 0;
	}
	len = strlen(name);
	CHECK(len >= 1 && len <= 253);
	CHECK(name[0] != '.' && name[len - 1] != '.');
	for (i = 0; i < len; i++) {
		CHECK(islower((unsigned char)name[i]) ||
		    isdigit((unsigned char)name[i]) || name[i] == '-' ||
		    name[i] == '.');
		if (name[i] == '.') {
			CHECK(label > 0);
			label = 0;
		} else
			CHECK(++label <= 63);
	}
	CHECK(tls_name_clean(name, len, again) == 0 &&
	    strcmp(name, again) == 0);
	for (i = 0; i < size && i < len; i++)
		CHECK(tolower(data[i]) == name[i]);
	for (wild = 0; wild <= 1; wild++) {
		if (tls_name_paths(name, wild, TLS_NAME_CERT, path,
		    sizeof(path)) == -1) {
			CHECK(wild && strchr(name, '.') == NULL);
			continue;
		}
		check_path(path, TLS_NAME_CERT);
		CHECK(tls_name_paths(name, wild, TLS_NAME_KEY, path,
		    sizeof(path)) == 0);
		check_path(path, TLS_NAME_KEY);
	}
	return 0;
}

static void
check_path(const char *path, const char *file)
{
	const char *slash = strchr(path, '/');

	CHECK(path[0] != '/' && slash != NULL && strrchr(path, '/') == slash);
	CHECK(strcmp(slash + 1, file) == 0);
	CHECK(strstr(path, "..") == NULL);
}
