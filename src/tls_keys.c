/*
 * tls_keys.c: keeping the private key from the handler.  The handler runs
 * as --user; a key file that uid, or any of its groups, could open for
 * reading is refused, at start-up, at --check and each time a key is
 * read (a renewal may bring other modes).  On Debian the members of
 * ssl-cert can read /etc/ssl/private: such a --user is refused.  Two
 * tests: the file's mode bits, as the kernel applies them (owner, else
 * group, else others), which say why in the common case; then the
 * kernel's own answer, which sees POSIX ACLs (setfacl -m u:USER:r) and
 * whatever else it applies: a child takes the handler's groups, gid and
 * uid and tries to open the file.  Only root can do that, and only root
 * can have --user; the answer is kept for the same file unchanged (its
 * ctime), so a connection asks once, not at start-up and again at load.
 * Without --user the handler is the caller's uid, which read the key
 * itself: nothing to check, and nothing kept from the handler
 * (sockbridge-tls(8) says so).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "compat.h"
#include "privileges.h"
#include "tls_keys.h"
#include "tls_name.h"

#define MAX_GROUPS	1024

/* Where the 16-bit calls kept the old names (i386, arm), the 32-bit ones. */
#ifdef SYS_setgroups32
#define SYS_SETGROUPS	SYS_setgroups32
#define SYS_SETRESGID	SYS_setresgid32
#define SYS_SETRESUID	SYS_setresuid32
#else
#define SYS_SETGROUPS	SYS_setgroups
#define SYS_SETRESGID	SYS_setresgid
#define SYS_SETRESUID	SYS_setresuid
#endif

static const struct credentials *handler;
static gid_t	groups[MAX_GROUPS];
static int	ngroups;

/* The last file the kernel said the handler cannot open, as it was. */
static struct {
	dev_t		dev;
	ino_t		ino;
	struct timespec	ctime;
} hidden;

static int	in_groups(gid_t);
static int	mode_hidden(const struct stat *);
static int	kernel_hides(int, const struct stat *);
static void	check_file(const char *, int, const char *);
static void	check_cert_dir(const char *, int);

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
	return mode_hidden(&st) && kernel_hides(fd, &st);
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
		check_cert_dir(o->cert_dir, dirfd);
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

/*
 * Each NAME/privkey.pem, or NAME/fullchain.pem when it holds the key;
 * named in full (dir is --cert-dir as given).
 */
static void
check_cert_dir(const char *dir, int dirfd)
{
	char path[TLS_NAME_PATH_SIZE + 256], shown[PATH_MAX + sizeof(path)];
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
		snprintf(shown, sizeof(shown), "%s/%s", dir, path);
		check_file(shown, fd, handler != NULL ? handler->name : "-");
		close(fd);
	}
	closedir(d);
}

/* The mode bits, as the kernel reads them without an ACL. */
static int
mode_hidden(const struct stat *st)
{
	if (st->st_uid == handler->uid)
		return !(st->st_mode & S_IRUSR);
	if (in_groups(st->st_gid))
		return !(st->st_mode & S_IRGRP);
	return !(st->st_mode & S_IROTH);
}

/*
 * Ask the kernel: a child becomes the handler's groups, gid and uid and
 * opens the file again through /proc/self/fd (a process may always use
 * its own; the open checks the file's permissions and ACL as a path
 * would).  It exits 0 when refused, 1 when it could read, 2 when it
 * could not tell; anything but 0 counts as readable.  Not root: the
 * mode bits are all there is to go by.
 */
static int
kernel_hides(int fd, const struct stat *st)
{
	char path[64];
	pid_t pid;
	int status, r;

	if (geteuid() != 0)
		return 1;
	if (st->st_dev == hidden.dev && st->st_ino == hidden.ino &&
	    st->st_ctim.tv_sec == hidden.ctime.tv_sec &&
	    st->st_ctim.tv_nsec == hidden.ctime.tv_nsec)
		return 1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/*
	 * vfork: a connection pays for this; no page table is copied.  The
	 * child shares our memory, so it changes its credentials by plain
	 * system calls (a thread's own, unlike glibc's setuid, which would
	 * tell every thread of the process) and only exits after.
	 */
	if ((pid = vfork()) == -1)
		return 0;
	if (pid == 0) {
		if (syscall(SYS_SETGROUPS, (size_t)ngroups, groups) == -1 ||
		    syscall(SYS_SETRESGID, handler->gid, handler->gid,
		    handler->gid) == -1 ||
		    syscall(SYS_SETRESUID, handler->uid, handler->uid,
		    handler->uid) == -1)
			_exit(2);
		if ((r = syscall(SYS_openat, AT_FDCWD, path,
		    O_RDONLY | O_CLOEXEC)) != -1)
			_exit(1);
		_exit(errno == EACCES || errno == EPERM ? 0 : 2);
	}
	while ((r = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		;
	if (r == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 0;
	hidden.dev = st->st_dev;
	hidden.ino = st->st_ino;
	hidden.ctime = st->st_ctim;
	return 1;
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
