/* sm_access.c - the access map: its K line (map_parseargs()) and its
 * Berkeley DB file, read whole with a cursor. */
#include "sm_access.h"

#include <db.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "sm_domains.h"
#include "sm_lines.h"

#define ACCESS_DB_MAX (4ull << 30)

static const char *skip_space(const char *p)
{
	while (sm_space((unsigned char)*p))
		p++;
	return p;
}

/* One word at P into OUT (CAP octets); the text after it. */
static const char *word(const char *p, char *out, size_t cap)
{
	size_t n = 0;

	p = skip_space(p);
	while (*p && !sm_space((unsigned char)*p)) {
		if (n + 1 < cap)
			out[n++] = *p;
		p++;
	}
	out[n] = '\0';
	return p;
}

/* map_parseargs(): flags up to the file name; -o makes it optional. */
static const char *map_args(const char *p, bool *optional)
{
	for (;;) {
		p = skip_space(p);
		if (*p != '-')
			return p;
		*optional |= p[1] == 'o';
		if (p[1] == 'k' || p[1] == 'v') /* "-k name": a space may follow */
			p = skip_space(p + 2);
		while (*p && !sm_space((unsigned char)*p))
			p++;
	}
}

static int access_line(struct sm_conf *c, const char *args, unsigned lineno,
                       struct rl_diag *errors)
{
	struct sm_access *a = &c->access;
	char type[64], file[SM_PATH_MAX];
	const char *p = word(args, type, sizeof type);
	size_t n;

	memset(a, 0, sizeof *a);
	if (strcmp(type, "hash") != 0 && strcmp(type, "btree") != 0) {
		rl_diag_add(errors, c->cf, lineno, "Kaccess %s: relaylock reads"
		            " an access map of type hash or btree only", type);
		return -1;
	}
	word(map_args(p, &a->optional), file, sizeof file);
	if (file[0] != '/' || strlen(file) + 4 >= sizeof a->path) {
		rl_diag_add(errors, c->cf, lineno, "Kaccess: missing, relative or"
		            " too long file name \"%.64s\"", file);
		return -1;
	}
	n = strlen(file);
	snprintf(a->path, sizeof a->path, "%s%s", file,
	         n > 3 && strcmp(file + n - 3, ".db") == 0 ? "" : ".db");
	snprintf(a->type, sizeof a->type, "%.15s", type);
	a->defined = true;
	a->line = lineno;
	return 0;
}

int sm_cf_map_line(struct sm_conf *c, const char *line, unsigned lineno,
                   struct rl_diag *errors)
{
	char name[SM_NAME_MAX], type[64];
	const char *p = word(line + 1, name, sizeof name);

	if (strcmp(name, "access") == 0)
		return access_line(c, p, lineno, errors);
	word(p, type, sizeof type);
	if (strcmp(type, "bestmx") == 0) /* relay_based_on_MX, bestmx_is_local */
		c->mx_relay_line = lineno;
	return 0;
}

static int add(struct sm_access_entry **v, size_t *n, size_t *cap,
               const char *domain, bool relay)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct sm_access_entry *nv = realloc(*v, nc * sizeof *nv);

		if (!nv)
			return -1;
		*v = nv;
		*cap = nc;
	}
	if (!((*v)[*n].domain = strdup(domain)))
		return -1;
	(*v)[(*n)++].relay = relay;
	return 0;
}

/* One key and value as the DB holds them (a trailing NUL when -N). */
static int add_pair(struct sm_access_map *m, bool dot, const char *k,
                    size_t klen, const char *v, size_t vlen)
{
	char out[RL_DOMAIN_MAX + 2];
	bool tagged = klen > 3 && strncasecmp(k, "to:", 3) == 0, relay;
	int n;

	if (klen > 0 && k[klen - 1] == '\0')
		klen--;
	if (vlen > 0 && v[vlen - 1] == '\0')
		vlen--;
	if (tagged) {
		k += 3;
		klen -= 3;
	}
	while (vlen > 0 && sm_space((unsigned char)v[vlen - 1]))
		vlen--;
	while (vlen > 0 && sm_space((unsigned char)*v))
		v++, vlen--;
	relay = vlen == 5 && strncasecmp(v, "relay", 5) == 0;
	if (memchr(k, ':', klen) || memchr(k, '@', klen) ||
	    (n = sm_word_domain(k, klen, dot, out)) < 0) {
		m->full_relay += tagged && relay && memchr(k, '@', klen);
		m->skipped++;
		return 0;
	}
	return tagged ? add(&m->tagged, &m->n_tagged, &m->cap_tagged, out, relay)
	              : add(&m->plain, &m->n_plain, &m->cap_plain, out, relay);
}

static int read_db(struct sm_access_map *m, DB *db, const char *path,
                   bool dot)
{
	DBC *cur;
	DBT key, val;
	int rc;

	if ((rc = db->cursor(db, NULL, &cur, 0)) != 0) {
		snprintf(m->error, sizeof m->error, "%.150s: %s", path, db_strerror(rc));
		return -1;
	}
	memset(&key, 0, sizeof key);
	memset(&val, 0, sizeof val);
	while ((rc = cur->get(cur, &key, &val, DB_NEXT)) == 0)
		if (add_pair(m, dot, key.data, key.size, val.data, val.size) != 0) {
			cur->close(cur);
			return -2;
		}
	cur->close(cur);
	if (rc != DB_NOTFOUND) {
		snprintf(m->error, sizeof m->error, "%.150s: %s", path, db_strerror(rc));
		return -1;
	}
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct sm_access_entry *)a)->domain,
	              ((const struct sm_access_entry *)b)->domain);
}

int sm_access_load(const struct sm_access *spec, struct sm_access_map *m,
                   struct rl_diag *errors)
{
	struct stat st;
	DB *db = NULL;
	int rc;

	memset(m, 0, sizeof *m);
	if (stat(spec->path, &st) != 0) {
		if (spec->optional && (errno == ENOENT || errno == ENOTDIR))
			return 0; /* as for Sendmail: an empty map */
		snprintf(m->error, sizeof m->error, "%.100s: %s%s", spec->path,
		         strerror(errno), errno == EACCES ? SM_ACCESS_HINT : "");
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (unsigned long long)st.st_size > ACCESS_DB_MAX) {
		snprintf(m->error, sizeof m->error, "%.150s: not a regular file or"
		         " too large", spec->path);
		return -1;
	}
	if ((rc = db_create(&db, NULL, 0)) != 0 ||
	    (rc = db->open(db, NULL, spec->path, NULL,
	                   strcmp(spec->type, "btree") == 0 ? DB_BTREE : DB_HASH,
	                   DB_RDONLY, 0)) != 0) {
		snprintf(m->error, sizeof m->error, "%.100s: %s%s", spec->path,
		         db_strerror(rc), rc == EACCES ? SM_ACCESS_HINT : "");
		if (db)
			db->close(db, 0);
		return -1;
	}
	rc = read_db(m, db, spec->path, spec->lookup_dot);
	db->close(db, 0);
	if (rc == -2)
		rl_diag_add(errors, spec->path, 0, "out of memory");
	if (m->n_tagged) /* qsort() wants an array, even of 0 */
		qsort(m->tagged, m->n_tagged, sizeof *m->tagged, cmp_entry);
	if (m->n_plain)
		qsort(m->plain, m->n_plain, sizeof *m->plain, cmp_entry);
	return rc;
}

static int cmp_key(const void *key, const void *elem)
{
	return strcmp(key, ((const struct sm_access_entry *)elem)->domain);
}

const struct sm_access_entry *sm_access_find(const struct sm_access_map *m,
                                             bool tagged, const char *domain,
                                             size_t len)
{
	char key[RL_DOMAIN_MAX + 1];
	size_t n = tagged ? m->n_tagged : m->n_plain;

	if (n == 0 || len > RL_DOMAIN_MAX)
		return NULL;
	memcpy(key, domain, len);
	key[len] = '\0';
	return bsearch(key, tagged ? m->tagged : m->plain, n, sizeof *m->tagged,
	               cmp_key);
}

void sm_access_free(struct sm_access_map *m)
{
	for (size_t i = 0; i < m->n_tagged; i++)
		free(m->tagged[i].domain);
	for (size_t i = 0; i < m->n_plain; i++)
		free(m->plain[i].domain);
	free(m->tagged);
	free(m->plain);
	memset(m, 0, sizeof *m);
}
