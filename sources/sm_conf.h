/* sm_conf.h - what relaylock reads of a sendmail.cf, as Sendmail's readcf()
 * reads it: the classes that hold domains (w, R, {VirtHost} and any class
 * copied into them with `C{w}$={X}`), the macros their lines use, the
 * access map and the relay rules of ruleset Rcpt_ok. Loading does I/O;
 * nothing here runs Sendmail, a program or a directory lookup.
 */
#ifndef RELAYLOCK_SM_CONF_H
#define RELAYLOCK_SM_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define SM_CF_MAX (16u << 20)         /* sendmail.cf itself */
#define SM_LINE_MAX 65536             /* one folded cf line */
#define SM_FILE_LINE_MAX 2047         /* class file line: Sendmail's MAXLINE - 1 */
#define SM_CLASS_FILE_MAX (256u << 20) /* one class file */
#define SM_WORDS_MAX 20000000u        /* words in all classes */
#define SM_CLASSES_MAX 64             /* classes that feed w, R, {VirtHost} */
#define SM_MACROS_MAX 512
#define SM_PLACES_MAX 1024            /* files and cf lines words come from */
#define SM_NAME_MAX 64                /* class and macro names */
#define SM_PATH_MAX 4096

/* Where words come from: the cf (C lines), a class file, the host. */
struct sm_place {
	char *path;
	char cls[SM_NAME_MAX];  /* class it fills */
	char kind[8];           /* "cf", "file", "host" */
	bool optional;          /* F -o: a missing file is no error */
	size_t words;           /* words read from it */
	size_t skipped;         /* of them, no domain (networks, [addresses]) */
	char error[320];        /* "": read; else why not (lookups answer ERROR) */
};

struct sm_word {
	char *text;      /* as read, lower case (classes ignore case) */
	uint32_t place;  /* index in sm_conf.places */
	uint32_t line;
};

struct sm_class {
	char name[SM_NAME_MAX];
	struct sm_word *w;
	size_t n, cap;
};

struct sm_macro {
	char name[SM_NAME_MAX];
	char *value;     /* unexpanded, as Sendmail keeps D values */
};

struct sm_access {
	bool defined;         /* a Kaccess line */
	bool optional;        /* -o */
	unsigned line;        /* of the Kaccess line */
	char type[16];        /* hash, btree */
	char path[SM_PATH_MAX]; /* the .db file */
	bool lookup_dot;      /* FEATURE(access_db, , lookupdotdomain) */
};

struct sm_conf {
	const char *cf;
	struct sm_class classes[SM_CLASSES_MAX];
	size_t n_classes;
	size_t n_words;
	struct sm_macro macros[SM_MACROS_MAX];
	size_t n_macros;
	struct sm_place places[SM_PLACES_MAX];
	size_t n_places;
	struct sm_access access;
	bool relay_hosts_only;   /* Rcpt_ok: R$+ < @ $=R > */
	bool lookup_dot;         /* ruleset D also looks ".parent" up */
	unsigned mx_relay_line;  /* a bestmx map (relay_based_on_MX), 0 = none */
	unsigned entire_domain_line; /* relay_entire_domain's rule, 0 = none */
	int dont_probe;          /* O DontProbeInterfaces: SM_PROBE_* */
};

/* SM_ISSPACE(): isspace() in the C locale. */
static inline bool sm_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* DontProbeInterfaces: false (probe all), loopback, true. */
#define SM_PROBE_ALL 0
#define SM_PROBE_NO_LOOPBACK 1
#define SM_PROBE_NONE 2

/* The host's own names as Sendmail finds them before it reads the cf
 * (main.c: myhostname(), uname()). Tests pass fixed ones. */
#define SM_HOST_NAMES_MAX 64
struct sm_host {
	char canon[256];        /* $w and $j before the cf: the FQDN */
	char nodename[256];     /* $k: uname's nodename */
	char names[SM_HOST_NAMES_MAX][256]; /* more names for class w */
	size_t n_names;
};

/* Fill HOST from this machine: gethostname(), the resolver's canonical
 * name and aliases (/etc/hosts first on Debian), uname's nodename. */
void sm_host_probe(struct sm_host *host);

/* load_if_names(): the names of the addresses of every interface that is
 * up (gethostbyaddr(), so /etc/hosts then DNS), added to HOST->names.
 * PROBE is c->dont_probe. */
void sm_host_interfaces(struct sm_host *host, int probe);

/* Add HOST's names (after the cf: the interfaces') to class w. */
int sm_conf_add_host(struct sm_conf *c, const struct sm_host *host,
                     size_t from);

/* Read CF (class lines, class files in order, K/S/R lines we need) into
 * C, which the caller zeroes. Returns 0, or -1 with ERRORS (file:line)
 * for configuration errors. Files that cannot be read are kept in
 * places[].error and reported in WARNINGS. */
int sm_conf_read(struct sm_conf *c, const char *cf, const struct sm_host *host,
                 struct rl_diag *errors, struct rl_diag *warnings);
void sm_conf_free(struct sm_conf *c);

/* Free the classes' words (once they are built into domain sets); the
 * places stay for what-matched texts. */
void sm_conf_drop_words(struct sm_conf *c);

/* The class named NAME ("w", "R", "VirtHost") or NULL. */
const struct sm_class *sm_conf_class(const struct sm_conf *c, const char *name);

/* Internal to the reader (sm_cf.c, sm_macro.c, sm_class.c,
 * sm_classfile.c, sm_access.c). */

/* "$=X" in an expanded class line: a copy of class X. */
#define SM_COPY_MARK '\001'

/* A macro or class name at P: "w" or "{VirtHost}". Returns the text after
 * it, or NULL with *WHY. */
const char *sm_parse_name(const char *p, char name[SM_NAME_MAX],
                          const char **why);

/* Define macro NAME as V (unexpanded); an empty V defines nothing. */
int sm_define(struct sm_conf *c, const char *name, const char *v);

/* expand() of a class line S into BUF (CAP octets): 0, or -1 with WHY. */
int sm_expand(const struct sm_conf *c, const char *s, char *buf, size_t cap,
              const char **why);

/* The class NAME, made when new; NULL past SM_CLASSES_MAX. */
struct sm_class *sm_conf_get_class(struct sm_conf *c, const char *name);

/* Copy class FROM into TO now, as setclass() does for "$=X". */
int sm_class_copy(struct sm_conf *c, struct sm_class *to, const char *from);

/* Before the cf: $w $j $m $k and the host's names in class w; after it,
 * $j in class w. 0 or -1. */
int sm_conf_host_names(struct sm_conf *c, const struct sm_host *host);
int sm_conf_add_j(struct sm_conf *c, struct rl_diag *errors);

/* An F line's file (SPEC is the text after the
 * class name) and a K line: 0, or -1 with ERRORS. */
int sm_cf_class_file(struct sm_conf *c, const char *cls, const char *spec,
                     unsigned lineno, struct rl_diag *errors,
                     struct rl_diag *warnings);
int sm_cf_map_line(struct sm_conf *c, const char *line, unsigned lineno,
                   struct rl_diag *errors);

/* Add one word to a class (copied, lower-cased); a place for words. */
int sm_class_add(struct sm_conf *c, struct sm_class *k, const char *word,
                 size_t len, uint32_t place, uint32_t line);
int sm_place_add(struct sm_conf *c, const char *path, const char *cls,
                 const char *kind);

/* Read the class file of place P into class K with scanf format FMT, as
 * fileclass() does: one sscanf() per line, lines starting with '#'
 * skipped. 0; -1 cannot read (places[p].error set); -2 malformed (ERRORS
 * has file:line). */
int sm_classfile_read(struct sm_conf *c, struct sm_class *k, uint32_t p,
                      const char *fmt, struct rl_diag *errors);

/* Check a class-file scanf format: one assigned %s or %[...] conversion,
 * any number of suppressed ones, literals. 0 or -1 with WHY; *OPEN_SET
 * becomes true when a scanset has no ']' (a '#' in the cf started a
 * comment: "%[^#]" is read as "%[^"). */
int sm_scanf_check(const char *fmt, const char **why, bool *open_set);

/* sscanf(LINE, FMT, word) for the formats sm_scanf_check() accepts: the
 * number of assignments (0 or 1), -1 at end of input. WORD has room for
 * CAP octets (NUL included). */
int sm_scanf(const char *line, const char *fmt, char *word, size_t cap);

#endif
