/* milter_callbacks.h - the libmilter callbacks: a thin layer that feeds
 * rl_decide() and answers the MTA. */
#ifndef RELAYLOCK_MILTER_CALLBACKS_H
#define RELAYLOCK_MILTER_CALLBACKS_H

#include <stdbool.h>
#include <sys/socket.h>

#include "net_set.h"
#include "policy_holder.h"

struct smfiDesc;

/* The filter description to pass to smfi_register(); decisions use the
 * config behind HOLDER. */
struct smfiDesc *rl_milter_desc(struct rl_holder *holder);

/* The client address: the socket's (SA), else a parseable {client_addr}
 * macro, else none (false: unknown and never trusted). */
bool rl_client_ip(const struct sockaddr *sa, const char *client_addr,
                  struct rl_ip *out);

#endif
