/* table_util.h - scratch files for the sources tests: a private
 * directory, files written into it, tables built with the real postmap. */
#ifndef RELAYLOCK_TABLE_UTIL_H
#define RELAYLOCK_TABLE_UTIL_H

#include <stddef.h>

/* The test's scratch directory (made on first call, under $RL_SCRATCH or
 * /var/tmp); it holds a main.cf for postmap -c. */
const char *tu_dir(void);

/* Write TEXT to NAME in the scratch directory; returns the full path
 * (static buffer, one of several in rotation). */
const char *tu_write(const char *name, const char *text);

/* Run postmap -c DIR TYPE:PATH; aborts the test run when it fails. */
void tu_postmap(const char *type, const char *path);

/* Printf into a rotating static buffer. */
const char *tu_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
