/* sm_domains.c - class words to sorted canonical domain sets. */
#include "sm_domains.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void sm_printable(const char *word, char *out, size_t cap)
{
	size_t n = 0;

	for (; *word && n + 1 < cap; word++)
		out[n++] = *word > 32 && *word < 127 ? *word : '?';
	out[n] = '\0';
}

static bool all_digits_dots(const char *w, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((w[i] < '0' || w[i] > '9') && w[i] != '.')
			return false;
	return true;
}

int sm_word_domain(const char *w, size_t len, bool allow_dot,
                   char out[RL_DOMAIN_MAX + 2])
{
	int n;

	if (len >= 5 && strncasecmp(w, "ipv6:", 5) == 0)
		return SM_WORD_NETWORK;
	if (len > 0 && all_digits_dots(w, len))
		return SM_WORD_NETWORK;
	if (len > 0 && w[0] == '[')
		return SM_WORD_LITERAL;
	/* A class lookup never sees a trailing dot: such a word never matches. */
	if (len == 0 || w[len - 1] == '.')
		return SM_WORD_INVALID;
	if (w[0] == '.' && allow_dot) {
		if (len < 2 || w[1] == '.' ||
		    (n = rl_domain_canonical(w + 1, len - 1, out + 1)) < 0)
			return SM_WORD_INVALID;
		out[0] = '.';
		return n + 1;
	}
	n = rl_domain_canonical(w, len, out);
	return n < 0 ? SM_WORD_INVALID : n;
}

static int cmp_dom(const void *a, const void *b)
{
	const struct sm_dom *x = a, *y = b;
	int d = strcmp(x->name, y->name);

	if (d)
		return d;
	/* the first place that named it stays */
	return x->place != y->place ? (x->place < y->place ? -1 : 1)
	                            : (x->line < y->line ? -1 : x->line > y->line);
}

static void warn_word(struct sm_conf *c, const struct sm_class *k,
                      const struct sm_word *w, struct rl_diag *warnings)
{
	char shown[80];

	sm_printable(w->text, shown, sizeof shown);
	rl_diag_add(warnings, c->places[w->place].path, w->line,
	            "class {%s}: \"%s\" is no domain name; ignored", k->name,
	            shown);
}

/* Sort, then keep the first of each name. */
static void sort_unique(struct sm_domset *s)
{
	size_t o = 0;

	qsort(s->d, s->n, sizeof *s->d, cmp_dom);
	for (size_t i = 0; i < s->n; i++) {
		if (o > 0 && strcmp(s->d[o - 1].name, s->d[i].name) == 0) {
			free(s->d[i].name);
			continue;
		}
		s->d[o++] = s->d[i];
	}
	s->n = o;
}

int sm_domset_build(struct sm_domset *s, struct sm_conf *c,
                    const struct sm_class *k, bool allow_dot,
                    struct rl_diag *warnings)
{
	char out[RL_DOMAIN_MAX + 2];

	memset(s, 0, sizeof *s);
	if (!k || k->n == 0)
		return 0;
	if (!(s->d = calloc(k->n, sizeof *s->d)))
		return -1;
	for (size_t i = 0; i < k->n; i++) {
		const struct sm_word *w = &k->w[i];
		struct sm_place *p = &c->places[w->place];
		int n = sm_word_domain(w->text, strlen(w->text), allow_dot, out);
		bool own = strcmp(p->cls, k->name) == 0; /* not a $= copy */

		if (n < 0) {
			p->skipped += own;
			if (n == SM_WORD_INVALID && own)
				warn_word(c, k, w, warnings);
			continue;
		}
		if (!(s->d[s->n].name = strdup(out)))
			return -1;
		s->d[s->n].place = w->place;
		s->d[s->n++].line = w->line;
	}
	sort_unique(s);
	return 0;
}

static int cmp_key(const void *key, const void *elem)
{
	return strcmp(key, ((const struct sm_dom *)elem)->name);
}

const struct sm_dom *sm_domset_find(const struct sm_domset *s,
                                    const char *name, size_t len)
{
	char key[RL_DOMAIN_MAX + 2];

	if (s->n == 0 || len > RL_DOMAIN_MAX + 1)
		return NULL;
	memcpy(key, name, len);
	key[len] = '\0';
	return bsearch(key, s->d, s->n, sizeof *s->d, cmp_key);
}

const struct sm_dom *sm_domset_find_parent(const struct sm_domset *s,
                                           const char *name, size_t len,
                                           bool subdomains)
{
	const struct sm_dom *d = sm_domset_find(s, name, len);

	for (size_t i = 0; !d && subdomains && i < len; i++) {
		if (name[i] != '.')
			continue;
		/* ".example.com", then "example.com" */
		if (!(d = sm_domset_find(s, name + i, len - i)) && i + 1 < len)
			d = sm_domset_find(s, name + i + 1, len - i - 1);
	}
	return d;
}

void sm_domset_free(struct sm_domset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->d[i].name);
	free(s->d);
	memset(s, 0, sizeof *s);
}
