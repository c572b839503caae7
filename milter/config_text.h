/* config_text.h - relaylock.conf text prepared for libconfuse's lexer.
 *
 * libconfuse 3.3 counts each '#' or '//' comment line as three lines and
 * each line of a C comment as two, and it refuses a comment inside a list
 * or after a value in a list. The loader therefore strips the comments
 * itself, keeping every line break, so that the lexer's count is the
 * file's own. Pure: no allocation, no I/O.
 */
#ifndef RELAYLOCK_CONFIG_TEXT_H
#define RELAYLOCK_CONFIG_TEXT_H

#include <stddef.h>

/* Copy LEN octets of IN to OUT (room for LEN + 1) without the comments
 * libconfuse knows ('#...', '//...' at a token start, C comments), as its
 * lexer would find them: never inside a quoted string. A backslash-newline
 * inside a string (libconfuse drops it) is moved after the closing quote,
 * so a value's own line breaks are the only ones before its end. Returns
 * the length written; OUT is NUL-terminated. */
size_t rl_conf_strip_comments(const char *in, size_t len, char *out);

#endif
