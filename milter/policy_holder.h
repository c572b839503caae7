/* policy_holder.h - the live configuration, swapped whole on reload.
 * A decision holds a reference for its duration; the mutex guards only
 * the pointer and the count, never a decision. */
#ifndef RELAYLOCK_POLICY_HOLDER_H
#define RELAYLOCK_POLICY_HOLDER_H

#include "config.h"

struct rl_holder;

struct rl_holder *rl_holder_new(struct rl_config *config);
void rl_holder_free(struct rl_holder *h);

/* Take a reference to the current config (never NULL after new). */
const struct rl_config *rl_holder_acquire(struct rl_holder *h);
void rl_holder_release(struct rl_holder *h, const struct rl_config *config);

/* Make CONFIG current; the old one goes when its last user releases it. */
void rl_holder_swap(struct rl_holder *h, struct rl_config *config);

#endif
