/*
 * fuzz_conn: a connection described from any address bytes and lengths,
 * as accept(2) and getsockname(2) could return them.  Input: the local
 * and the remote length (a byte each, up to sizeof(struct
 * sockaddr_storage)), then the local and the remote address bytes.
 *
 * Properties: every variable is NAME=value for a name of conn_var_names,
 * printable ASCII without spaces and never cut short, and so is the
 * handler's environment built from them; the log texts are never cut short
 * and hold no space, '=' or '@' from outside; a unix peer's name is the
 * bytes of its address, as long as its length says, and in the log it
 * decodes back to them.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <net/if.h>

#include <stddef.h>

#include "conn.h"
#include "env.h"
#include "fuzz.h"

/*
 * A stand-in for if_indextoname: no name for some indexes, names of every
 * length for the others, of printable ASCII ('=', '\' and '@' among it)
 * or, for some, of any byte (the kernel keeps out only spaces, '/' and
 * ':').
 */
static char *
fake_ifname(unsigned int index, char *name)
{
	size_t len, i;

	if (index % 7 == 0)
		return NULL;
	len = 1 + index % (IF_NAMESIZE - 1);
	for (i = 0; i < len; i++)
		name[i] = index % 7 == 1 ?
		    (char)(1 + (index * 31 + i * 17) % 255) :
		    (char)('!' + (index * 31 + i * 17) % ('~' - '!' + 1));
	name[len] = '\0';
	return name;
}

static int
graph(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static int
known_name(const char *var)
{
	const char *const *n;
	size_t len;

	len = strcspn(var, "=");
	CHECK(var[len] == '=');
	for (n = conn_var_names; *n != NULL; n++)
		if (strlen(*n) == len && strncmp(*n, var, len) == 0)
			return 1;
	return 0;
}

/* Decode the escaped text p (up to a space or NUL) into out. */
static size_t
unescape(const char *p, char *out)
{
	size_t n = 0;

	for (; *p != '\0' && *p != ' '; p++) {
		CHECK(*p != '=' && *p != '@');
		if (*p != '\\') {
			out[n++] = *p;
			continue;
		}
		out[n++] = (char)((p[1] - '0') << 6 | (p[2] - '0') << 3 |
		    (p[3] - '0'));
		p += 3;
	}
	return n;
}

/*
 * A unix peer's name is its address's, as long as its length says: a path
 * up to its first NUL, an abstract name all of it; and the log shows it.
 */
static void
check_unix(const struct conn_info *ci, const struct sockaddr_storage *ss,
    socklen_t len, const char *peer)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)ss;
	const char *p;
	char back[sizeof(ci->unix_name)];
	size_t n, want;

	want = len > offsetof(struct sockaddr_un, sun_path) ?
	    len - offsetof(struct sockaddr_un, sun_path) : 0;
	if (want > sizeof(sun->sun_path))
		want = sizeof(sun->sun_path);
	if (want > 0 && sun->sun_path[0] != '\0')
		for (n = 0; n < want; n++)
			if (sun->sun_path[n] == '\0') {
				want = n;
				break;
			}
	CHECK(ci->unix_namelen == want);
	CHECK(memcmp(ci->unix_name, sun->sun_path, want) == 0);
	p = strstr(peer, ",path=");
	if (ci->unix_namelen == 0) {
		CHECK(p == NULL);
		return;
	}
	CHECK(p != NULL);
	p += strlen(",path=");
	if (ci->unix_name[0] == '\0') {
		CHECK(*p++ == '@');
		n = unescape(p, back);
		CHECK(n == ci->unix_namelen - 1);
		CHECK(memcmp(back, ci->unix_name + 1, n) == 0);
	} else {
		n = unescape(p, back);
		CHECK(n == ci->unix_namelen);
		CHECK(memcmp(back, ci->unix_name, n) == 0);
		CHECK(memchr(ci->unix_name, '\0', n) == NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *base[] = { "PATH=/bin", "HOME=/", NULL };
	struct sockaddr_storage local, remote;
	struct conn_info ci, again;
	struct source src;
	struct env env;
	socklen_t locallen, remotelen;
	char peer[CONN_TEXT_SIZE], here[CONN_TEXT_SIZE], **vars;
	size_t n;
	int i;

	if (size < 2)
		return 0;
	locallen = data[0] % (sizeof(local) + 1);
	remotelen = data[1] % (sizeof(remote) + 1);
	data += 2;
	size -= 2;
	memset(&local, 0, sizeof(local));
	memset(&remote, 0, sizeof(remote));
	n = size < locallen ? size : locallen;
	memcpy(&local, data, n);
	data += n;
	size -= n;
	n = size < remotelen ? size : remotelen;
	memcpy(&remote, data, n);

	conn_addresses(&local, locallen, &remote, remotelen, fake_ifname, &ci);
	conn_addresses(&local, locallen, &remote, remotelen, fake_ifname,
	    &again);
	CHECK(memcmp(&ci, &again, sizeof(ci)) == 0);

	CHECK(strcmp(ci.proto, "TCP") == 0 || strcmp(ci.proto, "TCP6") == 0 ||
	    strcmp(ci.proto, "UNIX") == 0);
	CHECK(TERMINATED(ci.local_ip) && TERMINATED(ci.remote_ip) &&
	    TERMINATED(ci.local_port) && TERMINATED(ci.remote_port));
	CHECK(ci.nvars >= 1 && ci.nvars <= CONN_MAX_VARS);
	for (i = 0; i < ci.nvars; i++) {
		CHECK(strlen(ci.vars[i]) < sizeof(ci.vars[i]) - 1);
		CHECK(graph(ci.vars[i]) && known_name(ci.vars[i]));
	}

	env_init(&env, base, 0);
	vars = env_for_conn(&env, &ci);
	for (n = 0; vars[n] != NULL; n++)
		CHECK(strchr(vars[n], '=') != NULL &&
		    strchr(vars[n], '\n') == NULL);
	CHECK(n == 2 + (size_t)ci.nvars);
	env_free(&env);

	/* the longest credentials SO_PEERCRED can give (uid_t, pid_t) */
	if (strcmp(ci.proto, "UNIX") == 0) {
		ci.uid = ci.gid = UINT32_MAX;
		ci.pid = INT32_MIN;
	}
	conn_peer_text(&ci, peer, sizeof(peer));
	conn_local_text(&ci, here, sizeof(here));
	CHECK(strlen(peer) < sizeof(peer) - 1 && strlen(here) < sizeof(here) - 1);
	CHECK(graph(peer) && graph(here));
	CHECK(strchr(here, '=') == NULL && strchr(here, '@') == NULL);
	if (strcmp(ci.proto, "UNIX") == 0)
		check_unix(&ci, &remote, remotelen, peer);
	else
		CHECK(strchr(peer, '=') == NULL && strchr(peer, '@') == NULL);

	conn_source(&remote, &ci, &src);
	return 0;
}
