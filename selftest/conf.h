/* conf.h - what relaylock-selftest takes from relaylock.conf: a hosted
 * domain for the tricks and the trusted networks for the vantage warning.
 */
#ifndef RELAYLOCK_SELFTEST_CONF_H
#define RELAYLOCK_SELFTEST_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct rl_config;

/* Load PATH with the project's loader (errors go to ERR, file:line) and
 * pick a hosted domain name into HOSTED (empty when HOSTED is already
 * set). Returns the config or NULL. */
struct rl_config *st_conf_load(const char *path, char *hosted, size_t size,
                               FILE *err);

/* Is the address text ADDR inside the config's trusted networks? */
bool st_conf_trusted(const char *addr, void *config);

#endif
