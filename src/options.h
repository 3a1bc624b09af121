#ifndef SOCKBRIDGE_OPTIONS_H
#define SOCKBRIDGE_OPTIONS_H

#include <sys/resource.h>

#include "listener.h"
#include "privileges.h"
#include "rules.h"
#include "serve.h"

/* Everything the command line says, checked: what main() wires. */
struct options {
	struct listener_options listen;
	struct serve_options serve;
	struct rules	*rules;		/* --allow, --deny, --rules; or NULL */
	char	      **handler;	/* its argv: the operands, or echo */
	const char	*user;		/* --user USER[:GROUP], or NULL */
	struct credentials cred;	/* what --user names */
	int		 print_address;
	int		 quiet;
	int		 stderr_to_socket;
	int		 use_syslog;
	int		 facility;
	struct rlimit	 nofile;	/* as started: the handlers' limit */
	int		 nofile_raised;	/* --lingering-close changed ours */
};

void	options_parse(struct options *, int, char *[]);
struct rules *options_take_rules(struct options *);
void	options_idle_default(struct options *, enum listener_origin);
void	options_free(struct options *);

#endif
