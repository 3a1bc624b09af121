#ifndef SOCKBRIDGE_SERVE_H
#define SOCKBRIDGE_SERVE_H

#include "admission.h"
#include "env.h"
#include "handoff.h"
#include "listener.h"
#include "pending.h"
#include "rules.h"

struct serve_options {
	int		once;		/* exec the handler for one client */
	long long	idle_timeout;	/* seconds with nothing to do; 0 never */
	int		max_connections;
	struct admission_options admit;	/* rules, per-source limits */
	struct admission *admission;	/* made from admit */
	struct rate	max_accept_rate;/* n == 0: no limit */
	struct pending_options proxy;	/* versions == 0: no PROXY header */
	struct rules	*proxy_from;	/* who must send it; NULL: everyone */
	long long	timeout;	/* seconds a handler may run; 0 ever */
	long long	drain_timeout;	/* seconds handlers get after SIGTERM */
	long long	linger;		/* --lingering-close seconds; 0 off */
	const char	*banner;	/* sent before the handler starts */
	const char	*refuse_message;/* sent to a client over its limit */
	const char	*deny_message;	/* sent to a client the rules deny */
	int		nodelay;
	int		keepalive;
};

int	serve(const struct serve_options *, struct listeners *,
	    struct env *, struct handoff *);

#endif
