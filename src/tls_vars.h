#ifndef SOCKBRIDGE_TLS_VARS_H
#define SOCKBRIDGE_TLS_VARS_H

/*
 * Every variable sockbridge-tls gives a handler: the bridge and
 * sockbridge-tls drop inherited copies, so none is stale or forged.
 */
extern const char *const tls_var_names[];

#endif
