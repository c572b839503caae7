/* postfix_list.h - a Postfix domain list (util/match_list.c): items
 * separated by commas and whitespace, "!" negation, first match wins,
 * "/file/name" items read inline (nested files allowed), "type:table"
 * items, literal names.
 *
 * Two matchers, as Postfix has them: string lists (mydestination,
 * virtual_*_domains: exact name, one table lookup) and host lists
 * (relay_domains: ".example.com" subdomain patterns, parent lookups in
 * fixed-string tables, and with PARENT "example.com" covers subdomains).
 */
#ifndef RELAYLOCK_POSTFIX_LIST_H
#define RELAYLOCK_POSTFIX_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "source.h"

#define PF_LIST_FILE_DEPTH 8      /* /file inside /file inside ... */
#define PF_LIST_ITEMS_MAX 1000000 /* items of one list, files included */
#define PF_LIST_FILES_MAX 1000    /* /file items of one list */

struct pf_list;
struct pf_table;

enum pf_list_style { PF_LIST_STRING, PF_LIST_HOST, PF_LIST_HOST_PARENT };

/* Parse VALUE (already $-expanded) of parameter PARAM, from FILE:LINE.
 * NULL and ERRORS on a configuration error; unreadable /file and tables
 * become items whose lookups fail (WARNINGS says which). */
struct pf_list *pf_list_parse(const char *param, const char *value,
                              enum pf_list_style style, const char *file,
                              unsigned line, struct rl_diag *errors,
                              struct rl_diag *warnings);
void pf_list_free(struct pf_list *list);

/* Match DOMAIN (lower case, A-label). WHY gets "PARAM ITEM" for YES and
 * ERROR (may be NULL). */
enum rl_src_answer pf_list_match(const struct pf_list *list, const char *domain,
                                 size_t len, char *why, size_t why_cap);

/* pf_list_match, but directory tables are looked up (through their
 * cache) for the very keys the match will peek: I/O, before a decision. */
enum rl_src_answer pf_list_warm(const struct pf_list *list, const char *domain,
                                size_t len);

size_t pf_list_count(const struct pf_list *list);
const char *pf_list_param(const struct pf_list *list);

/* Call FN for each table item in order (unreadable /file items too). */
void pf_list_tables(const struct pf_list *list,
                    void (*fn)(const struct pf_table *t, const char *param,
                               void *arg),
                    void *arg);

/* Call FN for each /file the list read (nested ones included). */
void pf_list_files(const struct pf_list *list,
                   void (*fn)(const char *path, void *arg), void *arg);

/* Call FN for each literal name in order (canonical form). */
void pf_list_names(const struct pf_list *list,
                   void (*fn)(const char *name, void *arg), void *arg);

#endif
