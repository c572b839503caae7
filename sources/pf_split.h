/* pf_split.h - Postfix's tokenizers: list items separated by commas and
 * whitespace where {braced text} stays whole (mystrtokq), and
 * "name = value" (split_nameval). They write into the caller's string. */
#ifndef RELAYLOCK_PF_SPLIT_H
#define RELAYLOCK_PF_SPLIT_H

#define PF_SEP_LIST ", \t\r\n"

/* Next token of *CP separated by any of SEP, or NULL at the end. Sets
 * *BAD (and returns NULL) when braces do not balance. */
char *pf_token(char **cp, const char *sep, int *bad);

/* Split "name = value" in place: both trimmed. Returns NULL on success or
 * what is wrong. */
const char *pf_nameval(char *text, char **name, char **value);

/* Remove one pair of outer braces and the blanks inside them, in place:
 * "{ a b }" gives "a b". Returns NULL when TEXT is not braced. */
char *pf_unbrace(char *text);

#endif
