/* pf_table_text.c - texthash: (a postmap source file read at open) and
 * inline:{key=value, ...}. Keys are folded to lower case as Postfix does. */
#include <stdio.h>
#include <string.h>

#include "pf_lines.h"
#include "pf_split.h"
#include "pf_table.h"

static int add(struct pf_table *t, const char *key, const char *file,
               unsigned line, struct rl_diag *diag)
{
	if (pf_table_add_key(t, key, strlen(key)) == 0)
		return 0;
	rl_diag_add(diag, file, line, "%s:%s: more than %u keys or out of memory",
	            t->type, t->name, PF_TABLE_KEYS_MAX);
	return -2;
}

int pf_load_text(struct pf_table *t, struct rl_diag *diag)
{
	struct pf_lines l;
	char *line;
	unsigned lineno = 0;
	int rc;

	if (pf_lines_open(&l, t->name, PF_TEXT_FILE_MAX, t->error,
	                  sizeof t->error) != 0)
		return -1;
	while ((rc = pf_lines_next(&l, &line, &lineno, diag)) == 1) {
		size_t klen = strcspn(line, " \t");
		const char *value = line + klen + strspn(line + klen, " \t");

		if (*value == '\0') {
			rl_diag_add(diag, t->name, lineno,
			            "expected \"key whitespace value\"");
			rc = -1;
			break;
		}
		line[klen] = '\0';
		if ((rc = add(t, line, t->name, lineno, diag)) != 0)
			break;
	}
	pf_lines_close(&l);
	return rc < 0 ? -2 : 0;
}

int pf_load_inline(struct pf_table *t, const char *file, unsigned line,
                   struct rl_diag *diag)
{
	char copy[PF_TABLE_NAME_MAX];
	char *body, *cp, *item, *key, *value;
	int bad = 0;
	const char *why;

	snprintf(copy, sizeof copy, "%s", t->name);
	if (!(body = pf_unbrace(copy))) {
		rl_diag_add(diag, file, line, "inline:%.200s: expected inline:{key=value, ...}",
		            t->name);
		return -2;
	}
	cp = body;
	while ((item = pf_token(&cp, PF_SEP_LIST, &bad)) != NULL) {
		char *inner = item[0] == '{' ? pf_unbrace(item) : item;

		if (!inner || (why = pf_nameval(inner, &key, &value)) != NULL) {
			rl_diag_add(diag, file, line, "inline:%.200s: \"%.100s\": %s",
			            t->name, item, inner ? why : "unbalanced braces");
			return -2;
		}
		if (add(t, key, file, line, diag) != 0)
			return -2;
	}
	if (bad) {
		rl_diag_add(diag, file, line, "inline:%.200s: unbalanced braces", t->name);
		return -2;
	}
	return 0;
}
