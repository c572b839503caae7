/* pf_patterns.h - the rules of a regexp_table(5) or pcre_table(5) file:
 * "/re/flags result", "!/re/ result", regexp's "/re1/!/re2/ result", and
 * "if /re/" ... "endif" blocks; first matching rule wins. The syntax is
 * shared; each engine compiles and runs its own expressions. */
#ifndef RELAYLOCK_PF_PATTERNS_H
#define RELAYLOCK_PF_PATTERNS_H

#include <stddef.h>

#include "config.h"
#include "source.h"

#define PF_PATTERN_RULES_MAX 100000
#define PF_PATTERN_IF_DEPTH 100

struct pf_engine {
	const char *type;     /* "regexp", "pcre" */
	int second_pattern;   /* accepts "/re1/!/re2/" */
	/* Compile RE with the FLAGS letters; NULL with ERR on failure. */
	void *(*compile)(const char *re, const char *flags, char *err,
	                 size_t err_cap);
	/* 1 match, 0 no match, -1 could not run. */
	int (*exec)(const void *re, const char *subject, size_t len);
	void (*free)(void *re);
};

struct pf_patterns;

extern const struct pf_engine pf_regexp_engine; /* pf_table_regexp.c */
extern const struct pf_engine pf_pcre_engine;   /* pf_table_pcre.c */

/* Parse the rules file PATH. NULL and DIAG (file:line) when malformed;
 * NULL and *READ_ERR (ERR_CAP octets) when it cannot be read. */
struct pf_patterns *pf_patterns_load(const struct pf_engine *engine,
                                     const char *path, struct rl_diag *diag,
                                     char *read_err, size_t err_cap);
void pf_patterns_free(struct pf_patterns *p);

enum rl_src_answer pf_patterns_match(const struct pf_patterns *p,
                                     const char *subject, size_t len);

size_t pf_patterns_count(const struct pf_patterns *p);

#endif
