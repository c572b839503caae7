/* pf_table_db.c - hash: and btree: tables, Berkeley DB files made by
 * postmap (NAME.db), read whole with a cursor at open. */
#include <db.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "pf_table.h"

/* Read every key of an open DB into T. */
static int read_keys(struct pf_table *t, DB *db, const char *path,
                     struct rl_diag *diag)
{
	DBC *cur;
	DBT key, val;
	int rc;

	if ((rc = db->cursor(db, NULL, &cur, 0)) != 0) {
		snprintf(t->error, sizeof t->error, "%.160s: %s", path, db_strerror(rc));
		return -1;
	}
	memset(&key, 0, sizeof key);
	memset(&val, 0, sizeof val);
	while ((rc = cur->get(cur, &key, &val, DB_NEXT)) == 0) {
		if (pf_table_add_key(t, key.data, key.size) != 0) {
			rl_diag_add(diag, path, 0, "more than %u keys or out of memory",
			            PF_TABLE_KEYS_MAX);
			cur->close(cur);
			return -2;
		}
	}
	cur->close(cur);
	if (rc != DB_NOTFOUND) {
		snprintf(t->error, sizeof t->error, "%.160s: %s", path, db_strerror(rc));
		return -1;
	}
	return 0;
}

int pf_load_db(struct pf_table *t, struct rl_diag *diag)
{
	char path[PF_TABLE_NAME_MAX + 4];
	DBTYPE type = strcmp(t->type, "btree") == 0 ? DB_BTREE : DB_HASH;
	struct stat st;
	DB *db;
	int rc;

	snprintf(path, sizeof path, "%s.db", t->name);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > PF_DB_FILE_MAX) {
		snprintf(t->error, sizeof t->error, "%.160s: %s", path,
		         stat(path, &st) != 0 ? "cannot open" : "not a regular file or too large");
		return -1;
	}
	if ((rc = db_create(&db, NULL, 0)) != 0) {
		snprintf(t->error, sizeof t->error, "%.160s: %s", path, db_strerror(rc));
		return -1;
	}
	if ((rc = db->open(db, NULL, path, NULL, type, DB_RDONLY, 0)) != 0) {
		snprintf(t->error, sizeof t->error, "%.160s: %s", path, db_strerror(rc));
		db->close(db, 0);
		return -1;
	}
	rc = read_keys(t, db, path, diag);
	db->close(db, 0);
	return rc;
}
