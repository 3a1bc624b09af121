/*
 * sockbridge: serve the listening socket a socket activator handed over
 * (upstart-socket-bridge, systemd, inetd or xinetd with wait) with an
 * inetd-style handler: accept each client and run the handler with the
 * client on its stdin and stdout.
 *
 * main() only wires: options.c checks the command line into one struct,
 * the other files do one step each.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>

#include "admission.h"
#include "env.h"
#include "handoff.h"
#include "listener.h"
#include "log.h"
#include "notify.h"
#include "options.h"
#include "privileges.h"
#include "quiesce.h"
#include "serve.h"

extern char **environ;

/*
 * The order is part of the behaviour:
 * - every option, the rules and --user included, is checked before
 *   anything is bound: a bad command line changes nothing outside;
 * - the log opens after the listeners settle, so that syslog's socket
 *   cannot land on fds 0-2, which a listener may have held;
 * - socket files are chowned before the privileges that allow it go;
 * - the hand-off is set up after every descriptor is open: it marks all
 *   of them above 2 close-on-exec, so that none reaches a handler;
 * - serve() blocks the handled signals before it sends READY=1, so that
 *   none finds its default action once the activator thinks us ready.
 */
int
main(int argc, char *argv[])
{
	struct options o;
	struct admission admission;
	struct listeners ls;
	struct env env;
	struct handoff handoff;
	int status;

	options_parse(&o, argc, argv);
	admission_use(&admission, &o.serve.admit, options_take_rules(&o));
	o.serve.admission = &admission;

	listeners_find(&o.listen, &ls);
	if (o.print_address)
		listeners_print(&ls, stdout);
	listeners_settle(&ls);
	log_init(o.quiet, o.use_syslog, o.facility);
	quiesce_init(&ls, o.listen.reuseport);
	if (o.user != NULL) {
		listeners_chown_files(&ls, o.cred.uid, o.cred.gid);
		drop_privileges(o.user, &o.cred);
	}
	options_idle_default(&o, ls.origin);
	notify_init();
	env_init(&env, environ, ls.origin == FROM_UPSTART);
	handoff_init(&handoff, o.handler, o.stderr_to_socket,
	    o.nofile_raised ? &o.nofile : NULL);

	status = serve(&o.serve, &ls, &env, &handoff);
	listeners_remove_files(&ls);
	handoff_free(&handoff);
	env_free(&env);
	admission_free(&admission);
	options_free(&o);
	return status;
}
