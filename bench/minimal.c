/*
 * minimal: the benchmark's floor, the least a server can do per client.
 *
 * usage: minimal PORT handler [arg ...]
 *
 * Listens on 127.0.0.1:PORT and, for each client: accept, vfork, dup2 the
 * client onto fds 0 and 1, exec the handler.  No limit, no environment, no
 * logging, no signal handling; the handlers that have ended are reaped
 * after each accept (as every real server must, and so that their CPU time
 * shows in this process's cutime/cstime, which bench.sh reads).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char   **handler;	/* global: nothing vfork could clobber */

static void	usage(void);

static void
usage(void)
{
	errx(100, "usage: minimal PORT handler [arg ...]");
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin;
	const char *errstr;
	pid_t pid;
	int lfd, fd, one = 1;

	if (argc < 3)
		usage();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(strtonum(argv[1], 1, 65535, &errstr));
	if (errstr != NULL)
		errx(100, "port %s: number is %s", argv[1], errstr);
	handler = argv + 2;

	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(111, "socket");
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		err(111, "setsockopt");
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(111, "bind 127.0.0.1:%d", ntohs(sin.sin_port));
	if (listen(lfd, SOMAXCONN) == -1)
		err(111, "listen");

	for (;;) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				usleep(100000);
			continue;
		}
		pid = vfork();
		if (pid == 0) {
			if (dup2(fd, STDIN_FILENO) == -1 ||
			    dup2(fd, STDOUT_FILENO) == -1)
				_exit(111);
			execv(handler[0], handler);
			_exit(127);
		}
		if (pid == -1)
			warn("vfork");
		close(fd);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			continue;
	}
}
