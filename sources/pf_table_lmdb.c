/* pf_table_lmdb.c - lmdb: tables (NAME.lmdb, postfix-lmdb), read whole
 * in one read-only transaction at open. */
#include <lmdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "pf_table.h"

static int read_keys(struct pf_table *t, MDB_env *env, const char *path,
                     struct rl_diag *diag)
{
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *cur;
	MDB_val key, val;
	int rc;

	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, NULL, 0, &dbi)) != 0 ||
	    (rc = mdb_cursor_open(txn, dbi, &cur)) != 0) {
		snprintf(t->error, sizeof t->error, "%.160s: %s", path, mdb_strerror(rc));
		return -1;
	}
	while ((rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) == 0) {
		if (pf_table_add_key(t, key.mv_data, key.mv_size) != 0) {
			rl_diag_add(diag, path, 0, "more than %u keys or out of memory",
			            PF_TABLE_KEYS_MAX);
			rc = -2;
			break;
		}
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (rc == -2)
		return -2;
	if (rc != MDB_NOTFOUND) {
		snprintf(t->error, sizeof t->error, "%.160s: %s", path, mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int pf_load_lmdb(struct pf_table *t, struct rl_diag *diag)
{
	char path[PF_TABLE_NAME_MAX + 8];
	struct stat st;
	MDB_env *env;
	int rc;

	snprintf(path, sizeof path, "%s.lmdb", t->name);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_size > PF_DB_FILE_MAX) {
		snprintf(t->error, sizeof t->error, "%.160s: cannot open, not a regular"
		         " file or too large", path);
		return -1;
	}
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, (size_t)st.st_size)) != 0 ||
	    (rc = mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK,
	                       0)) != 0) {
		snprintf(t->error, sizeof t->error, "%.160s: %s", path, mdb_strerror(rc));
		if (rc != 0 && env)
			mdb_env_close(env);
		return -1;
	}
	rc = read_keys(t, env, path, diag);
	mdb_env_close(env);
	return rc;
}
