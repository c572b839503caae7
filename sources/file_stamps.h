/* file_stamps.h - which files a loaded source read, as they were, so a
 * refresh can ask cheaply whether any changed (issue 17's "fresh without
 * a restart"). Stamps are taken with stat(2): I/O, never on the decision
 * path. */
#ifndef RELAYLOCK_FILE_STAMPS_H
#define RELAYLOCK_FILE_STAMPS_H

#include <stdbool.h>
#include <time.h>

#define RL_STAMPS_MAX 4096

struct rl_stamps;

/* LOAD_START: when the load began; a file modified after it may have been
 * read half-written, so it counts as changed until the next load. */
struct rl_stamps *rl_stamps_new(struct timespec load_start);
void rl_stamps_free(struct rl_stamps *s);

/* Stamp PATH now (a missing file is stamped as missing: its appearance is
 * a change). Duplicates are kept once. -1 when out of memory or bounds. */
int rl_stamps_add(struct rl_stamps *s, const char *path);

/* Has any stamped file changed (identity, size, mtime, existence), or was
 * one modified while the load ran? */
bool rl_stamps_changed(const struct rl_stamps *s);

/* Call FN for each stamped file. */
void rl_stamps_each(const struct rl_stamps *s,
                    void (*fn)(const char *path, bool exists, void *arg),
                    void *arg);

#endif
