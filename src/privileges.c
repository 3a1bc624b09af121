/*
 * privileges.c: --user USER[:GROUP].  The bridge binds or inherits its
 * socket as whoever started it, then becomes USER for good before it
 * accepts anyone: supplementary groups first (initgroups), then the group,
 * then the user, and it checks that root cannot be had back.
 */
#include "config.h"

#include <sys/types.h>

#include <err.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "privileges.h"

static struct passwd *find_user(const char *);
static gid_t	find_group(const char *, const char *);

/* Look USER[:GROUP] up, or exit saying which does not exist. */
void
find_credentials(const char *spec, struct credentials *cred)
{
	char user[256], *group;
	struct passwd *pw;

	if (strlcpy(user, spec, sizeof(user)) >= sizeof(user))
		errx(EXIT_MISUSE, "--user %s: too long", spec);
	if ((group = strchr(user, ':')) != NULL)
		*group++ = '\0';
	if ((pw = find_user(user)) == NULL)
		errx(EXIT_MISUSE, "--user %s: no such user", spec);
	strlcpy(cred->name, pw->pw_name, sizeof(cred->name));
	cred->uid = pw->pw_uid;
	cred->gid = group != NULL ? find_group(spec, group) : pw->pw_gid;
}

void
drop_privileges(const char *spec, const struct credentials *cred)
{
	if (initgroups(cred->name, cred->gid) == -1)
		err(EXIT_TEMPFAIL, "--user %s: setgroups", spec);
	if (setresgid(cred->gid, cred->gid, cred->gid) == -1)
		err(EXIT_TEMPFAIL, "--user %s: setgid", spec);
	if (setresuid(cred->uid, cred->uid, cred->uid) == -1)
		err(EXIT_TEMPFAIL, "--user %s: setuid", spec);
	if (cred->uid != 0 && setuid(0) != -1)
		errx(EXIT_TEMPFAIL, "--user %s: root could be regained", spec);
}

/* A user by name, or by number when no user has that name. */
static struct passwd *
find_user(const char *name)
{
	struct passwd *pw;
	const char *why;
	long long uid;

	if ((pw = getpwnam(name)) != NULL)
		return pw;
	uid = strtonum(name, 0, UINT_MAX - 1, &why);
	return why == NULL ? getpwuid(uid) : NULL;
}

static gid_t
find_group(const char *spec, const char *name)
{
	struct group *gr;
	const char *why;
	long long gid;

	if ((gr = getgrnam(name)) != NULL)
		return gr->gr_gid;
	gid = strtonum(name, 0, UINT_MAX - 1, &why);
	if (why != NULL || getgrgid(gid) == NULL)
		errx(EXIT_MISUSE, "--user %s: no such group", spec);
	return gid;
}
