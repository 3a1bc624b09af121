/*
 * notify.c: the sd_notify(3) protocol, without libsystemd: one datagram
 * ("READY=1", "STOPPING=1") to the unix socket named in NOTIFY_SOCKET, so
 * that a systemd unit of Type=notify knows when the bridge accepts.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

static struct sockaddr_un notify_addr;
static socklen_t notify_len;	/* 0: no NOTIFY_SOCKET */

/* Read NOTIFY_SOCKET once; the handlers' environment goes without it. */
void
notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	if (path == NULL || (*path != '/' && *path != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(notify_addr.sun_path)) {
		log_error("NOTIFY_SOCKET=%s: path is too long", path);
		return;
	}
	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, path, len);
	if (*path == '@')
		notify_addr.sun_path[0] = '\0';	/* abstract */
	notify_len = offsetof(struct sockaddr_un, sun_path) + len +
	    (*path == '/');
}

/* Is there a service manager to tell? */
int
notify_enabled(void)
{
	return notify_len != 0;
}

void
notify_send(const char *state)
{
	char msg[512];		/* STATUS= (stats.c) is under 256 */
	int fd, len;

	if (notify_len == 0)
		return;
	len = snprintf(msg, sizeof(msg), "%s\nMAINPID=%ld", state,
	    (long)getpid());
	if (len < 0 || (size_t)len >= sizeof(msg)) {
		/* never a truncated state, nor bytes past the message */
		log_error("NOTIFY_SOCKET: state too long");
		return;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || sendto(fd, msg, len, MSG_NOSIGNAL,
	    (struct sockaddr *)&notify_addr, notify_len) == -1)
		log_error("NOTIFY_SOCKET: %s", strerror(errno));
	if (fd != -1)
		close(fd);
}
