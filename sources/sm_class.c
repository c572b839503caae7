/* sm_class.c - the classes read from a sendmail.cf: their words, the
 * places the words come from, $= copies, and the host's own names that
 * Sendmail puts in class w before and after reading the cf. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm_conf.h"

struct sm_class *sm_conf_get_class(struct sm_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_classes; i++)
		if (strcmp(c->classes[i].name, name) == 0)
			return &c->classes[i];
	if (c->n_classes >= SM_CLASSES_MAX)
		return NULL;
	snprintf(c->classes[c->n_classes].name, SM_NAME_MAX, "%s", name);
	return &c->classes[c->n_classes++];
}

const struct sm_class *sm_conf_class(const struct sm_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_classes; i++)
		if (strcmp(c->classes[i].name, name) == 0)
			return &c->classes[i];
	return NULL;
}

int sm_class_add(struct sm_conf *c, struct sm_class *k, const char *word,
                 size_t len, uint32_t place, uint32_t line)
{
	char *t;

	if (c->n_words >= SM_WORDS_MAX)
		return -2;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 16;
		struct sm_word *w = realloc(k->w, cap * sizeof *w);

		if (!w)
			return -2;
		k->w = w;
		k->cap = cap;
	}
	if (!(t = malloc(len + 1)))
		return -2;
	for (size_t i = 0; i < len; i++)
		t[i] = (char)tolower((unsigned char)word[i]);
	t[len] = '\0';
	k->w[k->n++] = (struct sm_word){t, place, line};
	c->n_words++;
	return 0;
}

int sm_place_add(struct sm_conf *c, const char *path, const char *cls,
                 const char *kind)
{
	struct sm_place *p;

	for (size_t i = 0; i < c->n_places; i++) {
		p = &c->places[i];
		if (strcmp(p->kind, "file") != 0 && strcmp(p->kind, kind) == 0 &&
		    strcmp(p->path, path) == 0 && strcmp(p->cls, cls) == 0)
			return (int)i;
	}
	if (c->n_places >= SM_PLACES_MAX)
		return -1;
	p = &c->places[c->n_places];
	if (!(p->path = strdup(path)))
		return -1;
	snprintf(p->cls, sizeof p->cls, "%s", cls);
	snprintf(p->kind, sizeof p->kind, "%s", kind);
	return (int)c->n_places++;
}

/* Copy class FROM into TO now, as setclass() does for "$=X": entries
 * added to FROM later are not copied. */
int sm_class_copy(struct sm_conf *c, struct sm_class *to, const char *from)
{
	const struct sm_class *f = sm_conf_class(c, from);
	size_t n = f ? f->n : 0;

	if (!f || f == to)
		return 0;
	for (size_t i = 0; i < n; i++) {
		/* TO may be reallocated, F is another class: its array stays */
		const struct sm_word *w = &f->w[i];

		if (sm_class_add(c, to, w->text, strlen(w->text), w->place,
		                 w->line) != 0)
			return -2;
	}
	return 0;
}

int sm_conf_add_host(struct sm_conf *c, const struct sm_host *h, size_t from)
{
	struct sm_class *w = sm_conf_get_class(c, "w");
	int place = sm_place_add(c, "(host name)", "w", "host");
	int rc = 0;

	if (!w || place < 0)
		return -1;
	for (size_t i = from; i < h->n_names && i < SM_HOST_NAMES_MAX; i++) {
		rc |= sm_class_add(c, w, h->names[i], strlen(h->names[i]),
		                   (uint32_t)place, 0);
		c->places[place].words++;
	}
	return rc ? -1 : 0;
}

/* What main.c does before readcf(): $w, $j, $m, $k, and the host's names
 * in class w. */
int sm_conf_host_names(struct sm_conf *c, const struct sm_host *h)
{
	const char *dot = strchr(h->canon, '.');
	struct sm_class *w = sm_conf_get_class(c, "w");
	int place = sm_place_add(c, "(host name)", "w", "host");
	int rc = 0;

	if (!w || place < 0)
		return -1;
	rc |= sm_define(c, "w", h->canon);
	rc |= sm_define(c, "j", h->canon);
	rc |= sm_define(c, "m", dot && dot[1] ? dot + 1 : "");
	rc |= sm_define(c, "k", h->nodename);
	if (h->canon[0]) {
		rc |= sm_class_add(c, w, h->canon, strlen(h->canon),
		                   (uint32_t)place, 0);
		c->places[place].words++;
	}
	return rc || sm_conf_add_host(c, h, 0) != 0 ? -1 : 0;
}

/* After readcf(): "make certain that this name ($j) is part of $=w". */
int sm_conf_add_j(struct sm_conf *c, struct rl_diag *errors)
{
	struct sm_class *w = sm_conf_get_class(c, "w");
	int place = sm_place_add(c, "(host name)", "w", "host");
	const char *why;
	char *j;
	int rc;

	if (!w || place < 0 || !(j = malloc(SM_LINE_MAX + 1)))
		return -1;
	if (sm_expand(c, "$j", j, SM_LINE_MAX + 1, &why) != 0) {
		rl_diag_add(errors, c->cf, 0, "$j: %s", why);
		free(j);
		return -1;
	}
	if (j[0] == '\0')
		snprintf(j, SM_LINE_MAX + 1, "localhost");
	rc = sm_class_add(c, w, j, strlen(j), (uint32_t)place, 0);
	c->places[place].words++;
	free(j);
	return rc ? -1 : 0;
}

void sm_conf_drop_words(struct sm_conf *c)
{
	for (size_t i = 0; i < c->n_classes; i++) {
		for (size_t j = 0; j < c->classes[i].n; j++)
			free(c->classes[i].w[j].text);
		free(c->classes[i].w);
		c->classes[i].w = NULL;
		c->classes[i].n = c->classes[i].cap = 0;
	}
}

void sm_conf_free(struct sm_conf *c)
{
	sm_conf_drop_words(c);
	for (size_t i = 0; i < c->n_macros; i++)
		free(c->macros[i].value);
	for (size_t i = 0; i < c->n_places; i++) {
		free(c->places[i].path);
	}
	memset(c, 0, sizeof *c);
}
