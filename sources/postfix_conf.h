/* postfix_conf.h - main.cf as Postfix reads it: "name = value" logical
 * lines, and $name, ${name}, $(name), ${name?text}, ${name:text}
 * expansion, recursive, with Postfix's built-in defaults for the
 * parameters that decide which domains it accepts (postconf -hx). */
#ifndef RELAYLOCK_POSTFIX_CONF_H
#define RELAYLOCK_POSTFIX_CONF_H

#include <stddef.h>

#include "config.h"

#define PF_CONF_PARAMS_MAX 10000
#define PF_EXPAND_DEPTH 30          /* $a -> $b -> ... */
#define PF_EXPAND_MAX (1u << 20)    /* one expanded value, octets */

struct pf_conf;

/* Read DIR/main.cf. NULL and ERRORS when it cannot be read or a line is
 * malformed. HOSTNAME is the system's name (myhostname's default). */
struct pf_conf *pf_conf_load(const char *dir, const char *hostname,
                             struct rl_diag *errors);

/* Parse main.cf TEXT given in memory (fuzzing, tests). */
struct pf_conf *pf_conf_parse(const char *path, const char *text, size_t len,
                              const char *hostname, struct rl_diag *errors);
void pf_conf_free(struct pf_conf *c);

/* NAME's value, expanded, in a malloc'ed string; its main.cf line in
 * *LINE (0 for a built-in default). NULL and ERRORS on an expansion
 * error; WARNINGS names parameters that are neither set nor known here. */
char *pf_conf_expand(const struct pf_conf *c, const char *name, unsigned *line,
                     struct rl_diag *errors, struct rl_diag *warnings);

/* Value of NAME (LEN octets) as written, else its built-in default, else
 * NULL; *LINE gets its main.cf line (0 for a default). mydomain and
 * relay_domains are derived by the expander. */
const char *pf_conf_value(const struct pf_conf *c, const char *name,
                          size_t len, unsigned *line);

/* Raw value as written, or NULL when not set in main.cf. */
const char *pf_conf_raw(const struct pf_conf *c, const char *name);

/* Call FN for each parameter set in main.cf. */
void pf_conf_each(const struct pf_conf *c,
                  void (*fn)(const char *name, unsigned line, void *arg),
                  void *arg);

const char *pf_conf_path(const struct pf_conf *c);
const char *pf_conf_dir(const struct pf_conf *c);

#endif
