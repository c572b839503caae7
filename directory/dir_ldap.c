/* dir_ldap.c - LDAP lookups with libldap, bounded by network and search
 * timeouts. */
#define LDAP_DEPRECATED 0
#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir_impl.h"
#include "dir_quote.h"

static int set_tls(LDAP *ld, const struct rl_dir_cf *cf)
{
	static const struct { const char *key; int opt; } files[] = {
		{"tls_ca_cert_file", LDAP_OPT_X_TLS_CACERTFILE},
		{"tls_ca_cert_dir", LDAP_OPT_X_TLS_CACERTDIR},
		{"tls_cert", LDAP_OPT_X_TLS_CERTFILE},
		{"tls_key", LDAP_OPT_X_TLS_KEYFILE},
		{"tls_random_file", LDAP_OPT_X_TLS_RANDOM_FILE},
		{"tls_cipher_suite", LDAP_OPT_X_TLS_CIPHER_SUITE},
	};
	int req = cf->tls_require_cert ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER;
	int zero = 0;

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		const char *v = rl_dir_cf_get(cf, files[i].key, NULL);

		if (v && *v && ldap_set_option(ld, files[i].opt, v) != LDAP_OPT_SUCCESS)
			return -1;
	}
	if (ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &req) != LDAP_OPT_SUCCESS)
		return -1;
	/* A context of this handle's own, with the settings above. */
	return ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) == LDAP_OPT_SUCCESS
	       ? 0 : -1;
}

static struct timeval tv_left(const struct rl_dir_cf *cf,
                              const struct timespec *deadline)
{
	int ms = rl_dir_ms_left(deadline);
	struct timeval tv;

	if (cf->timeout && (unsigned)ms > cf->timeout * 1000u)
		ms = (int)(cf->timeout * 1000u);
	if (ms < 1)
		ms = 1;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return tv;
}

/* Open the handle and bind, which makes the connection: libldap tries the
 * server_host URLs in order. */
static void *ld_connect(const struct rl_dir_cf *cf, unsigned timeout,
                        const struct timespec *deadline, char *why, size_t cap)
{
	char urls[RL_DIR_HOSTS_MAX * 257] = "";
	struct timeval tv = tv_left(cf, deadline);
	int version = cf->version, rc;
	LDAP *ld = NULL;

	(void)timeout; /* every search gets the time left as its own limit */
	for (size_t i = 0; i < cf->n_hosts; i++) {
		strcat(urls, i ? " " : "");
		strcat(urls, cf->hosts[i]);
	}
	if ((rc = ldap_initialize(&ld, urls)) != LDAP_SUCCESS) {
		rl_dir_why(why, cap, "ldap %s: %s", urls, ldap_err2string(rc));
		return NULL;
	}
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
	{ /* libldap tries the URLs in turn, each with this connect timeout */
		struct timespec mine = rl_dir_host_deadline(deadline, cf->n_hosts);
		struct timeval per = tv_left(cf, &mine);

		ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &per);
	}
	ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(ld, LDAP_OPT_RESTART, LDAP_OPT_ON);
	if (set_tls(ld, cf) != 0) {
		rl_dir_why(why, cap, "ldap %s: cannot set the TLS options", urls);
		ldap_unbind_ext_s(ld, NULL, NULL);
		return NULL;
	}
	/* Connect now, bind or not: a server that is down is a failed
	 * connect, which spares the next lookups a new try for a while. */
	if ((rc = ldap_connect(ld)) != LDAP_SUCCESS) {
		rl_dir_why(why, cap, "ldap %s: %s", urls, ldap_err2string(rc));
		ldap_unbind_ext_s(ld, NULL, NULL);
		return NULL;
	}
	if (cf->start_tls && (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
		rl_dir_why(why, cap, "ldap %s: STARTTLS: %s", urls, ldap_err2string(rc));
		ldap_unbind_ext_s(ld, NULL, NULL);
		return NULL;
	}
	if (cf->bind == RL_DIR_BIND_YES) {
		const char *pw = rl_dir_cf_get(cf, "bind_pw", "");
		struct berval cred = {.bv_len = strlen(pw), .bv_val = (char *)pw};

		rc = ldap_sasl_bind_s(ld, rl_dir_cf_get(cf, "bind_dn", ""),
		                      LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			rl_dir_why(why, cap, "ldap %s: bind: %s", urls, ldap_err2string(rc));
			ldap_unbind_ext_s(ld, NULL, NULL);
			return NULL;
		}
	}
	return ld;
}

static int ld_quote(void *arg, const char *in, size_t len, char *out, size_t cap)
{
	(void)arg;
	return rl_dir_quote_ldap(in, len, out, cap);
}

/* An entry with a non-empty value of a result attribute: found, as
 * Postfix counts it (result, terminal and leaf attributes). */
static bool has_value(LDAP *ld, LDAPMessage *res, const struct rl_dir_cf *cf)
{
	for (LDAPMessage *e = ldap_first_entry(ld, res); e;
	     e = ldap_next_entry(ld, e))
		for (size_t a = 0; a < cf->n_attrs; a++) {
			struct berval **v = ldap_get_values_len(ld, e, cf->attrs[a]);
			bool found = false;

			for (size_t i = 0; v && v[i]; i++)
				if (v[i]->bv_len > 0)
					found = true;
			ldap_value_free_len(v);
			if (found)
				return true;
		}
	return false;
}

static enum rl_dir_answer ld_lookup(void *conn, const struct rl_dir_cf *cf,
                                    const char *key,
                                    const struct timespec *deadline,
                                    char *why, size_t cap)
{
	LDAP *ld = conn;
	char *filter = NULL;
	char *attrs[RL_DIR_ATTRS_MAX + 1];
	struct timeval tv = tv_left(cf, deadline);
	LDAPMessage *res = NULL;
	enum rl_dir_answer ans;
	int x, rc;

	x = rl_dir_query(cf, key, ld_quote, NULL, &filter, why, cap);
	if (x <= 0)
		return x < 0 ? RL_DIR_ERROR : RL_DIR_NOT_FOUND;
	for (size_t i = 0; i < cf->n_attrs; i++)
		attrs[i] = (char *)cf->attrs[i];
	attrs[cf->n_attrs] = NULL;
	/* A size limit: many entries say no more than one does. */
	rc = ldap_search_ext_s(ld, rl_dir_cf_get(cf, "search_base", ""),
	                       (int)cf->scope, filter, cf->n_attrs ? attrs : NULL, 0,
	                       NULL, NULL, &tv, 64, &res);
	free(filter);
	if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED)
		ans = has_value(ld, res, cf) ? RL_DIR_FOUND : RL_DIR_NOT_FOUND;
	else {
		rl_dir_why(why, cap, "ldap: search: %s", ldap_err2string(rc));
		ans = RL_DIR_ERROR;
	}
	ldap_msgfree(res);
	return ans;
}

static void ld_close(void *conn)
{
	ldap_unbind_ext_s(conn, NULL, NULL);
}

const struct rl_dir_ops rl_dir_ldap_ops = {ld_connect, ld_lookup, ld_close};
