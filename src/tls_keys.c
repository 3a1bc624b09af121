/*
 * tls_keys.c: keeping the private key from the handler.  The handler runs
 * as --user; a key file that uid, or any of its groups, could open for
 * reading is refused, at start-up, at --check and each time a key is
 * read (a renewal may bring other modes).  On Debian the members of
 * ssl-cert can read /etc/ssl/private: such a --user is refused.  The
 * test is on the file's mode bits, as the kernel applies them (owner,
 * else group, else others); ACLs are not looked at.  Without --user the
 * handler is the caller's uid, which read the key itself: nothing to
 * check, and nothing kept from the handler (sockbridge-tls(8) says so).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "compat.h"
#include "privileges.h"
#include "tls_keys.h"
#include "tls_name.h"

#define MAX_GROUPS	1024

static const struct credentials *handler;
static gid_t	groups[MAX_GROUPS];
static int	ngroups;

static int	in_groups(gid_t);
static void	check_file(const char *, int, const char *);
static void	check_cert_dir(int);

/* The handler's groups, as initgroups(3) will give them: looked up once. */
void
tls_keys_init(const struct tls_options *o)
{
	if (o->user == NULL)
		return;
	handler = &o->user_cred;
	ngroups = MAX_GROUPS;
	if (getgrouplist(handler->name, handler->gid, groups, &ngroups) == -1)
		errx(EXIT_MISUSE, "--user %s: more than %d groups", o->user,
		    MAX_GROUPS);
}

/* Is the open file fd kept from the handler?  1 yes, 0 no (or unknown). */
int
tls_key_hidden(int fd)
{
	struct stat st;

	if (handler == NULL)
		return 1;
	if (fstat(fd, &st) == -1 || handler->uid == 0)
		return 0;
	if (st.st_uid == handler->uid)
		return !(st.st_mode & S_IRUSR);
	if (in_groups(st.st_gid))
		return !(st.st_mode & S_IRGRP);
	return !(st.st_mode & S_IROTH);
}

/*
 * At start-up: the default key (or the combined file), and with --check
 * every key under --cert-dir, exist and are hidden from the handler.
 */
void
tls_keys_check_startup(const struct tls_options *o, int dirfd)
{
	const char *key = o->key != NULL ? o->key : o->cert;
	int fd;

	if (key != NULL) {
		if ((fd = open(key, O_RDONLY | O_CLOEXEC)) == -1)
			err(EXIT_MISUSE, "%s", key);
		check_file(key, fd, o->user);
		close(fd);
	}
	if (o->check && dirfd != -1)
		check_cert_dir(dirfd);
}

/*
 * Become USER for good, as the bridge's --user does (privileges.c), and
 * keep no way back: no capability survives setresuid away from root, and
 * no exec can bring privileges in.
 */
void
tls_become(const char *spec, const struct credentials *cred)
{
	drop_privileges(spec, cred);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		err(EXIT_TEMPFAIL, "--tls-user %s: no_new_privs", spec);
}

static void
check_file(const char *path, int fd, const char *user)
{
	if (!tls_key_hidden(fd))
		errx(EXIT_MISUSE, "%s: the handler's user %s can read this "
		    "key", path, user);
}

/* Each NAME/privkey.pem, or NAME/fullchain.pem when it holds the key. */
static void
check_cert_dir(int dirfd)
{
	char path[TLS_NAME_PATH_SIZE + 256];
	struct dirent *e;
	DIR *d;
	int dup, fd;

	if ((dup = fcntl(dirfd, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    (d = fdopendir(dup)) == NULL)
		err(EXIT_TEMPFAIL, "--cert-dir");
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", e->d_name, TLS_NAME_KEY);
		if ((fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC)) == -1) {
			snprintf(path, sizeof(path), "%s/%s", e->d_name,
			    TLS_NAME_CERT);
			if ((fd = openat(dirfd, path,
			    O_RDONLY | O_CLOEXEC)) == -1)
				continue;
		}
		check_file(path, fd, handler != NULL ? handler->name : "-");
		close(fd);
	}
	closedir(d);
}

static int
in_groups(gid_t gid)
{
	int i;

	for (i = 0; i < ngroups; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}
