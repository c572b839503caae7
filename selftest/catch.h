/* catch.h - --catch: the probe as its own outside recipient. An SMTP
 * listener (one thread) on the vantage address takes the messages that
 * carry a token of this run, counts each token once, and refuses
 * everything else. It stores nothing and relays nothing; connections,
 * line and message sizes and idle time are bounded.
 */
#ifndef RELAYLOCK_SELFTEST_CATCH_H
#define RELAYLOCK_SELFTEST_CATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define ST_CATCH_TOKENS_MAX 64    /* tokens one run can wait for */

struct st_catch;

/* Listen on ADDR (with its port) and start the thread. NULL with ERR set
 * on failure. */
struct st_catch *st_catch_start(const struct sockaddr *addr, socklen_t len,
                                char *err, size_t errsz);

/* Accept messages carrying TOKEN from now on. False when full. */
bool st_catch_expect(struct st_catch *c, const char *token);

/* Did a message with TOKEN arrive? */
bool st_catch_arrived(struct st_catch *c, const char *token);

/* Wait until every expected token arrived, at most WAIT_MS (and not past
 * a signal that sets smtp_abort). Returns the number that arrived. */
size_t st_catch_wait(struct st_catch *c, unsigned wait_ms);

/* Messages refused because they carried no token of this run. */
size_t st_catch_refused(struct st_catch *c);

/* Stop listening and serving (the counts stay): after it, nothing can
 * arrive that the verdicts would miss. */
void st_catch_halt(struct st_catch *c);

/* Halt, then free C. NULL is fine. */
void st_catch_stop(struct st_catch *c);

#endif
