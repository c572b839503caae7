/* file_stamps.c - stat(2) stamps of the files a source read. */
#include "file_stamps.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct stamp {
	char *path;
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct rl_stamps {
	struct timespec load_start;
	struct stamp *v;
	size_t n;
};

struct rl_stamps *rl_stamps_new(struct timespec load_start)
{
	struct rl_stamps *s = calloc(1, sizeof *s);

	if (s)
		s->load_start = load_start;
	return s;
}

void rl_stamps_free(struct rl_stamps *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].path);
	free(s->v);
	free(s);
}

static void take(struct stamp *st, const char *path)
{
	struct stat sb;

	st->exists = stat(path, &sb) == 0;
	if (!st->exists)
		return;
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	st->size = sb.st_size;
	st->mtime = sb.st_mtim;
}

int rl_stamps_add(struct rl_stamps *s, const char *path)
{
	struct stamp *v;

	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].path, path) == 0)
			return 0;
	if (s->n >= RL_STAMPS_MAX || !(v = realloc(s->v, (s->n + 1) * sizeof *v)))
		return -1;
	s->v = v;
	memset(&v[s->n], 0, sizeof v[0]);
	if (!(v[s->n].path = strdup(path)))
		return -1;
	take(&v[s->n], path);
	s->n++;
	return 0;
}

static bool after(struct timespec a, struct timespec b)
{
	return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec >= b.tv_nsec);
}

bool rl_stamps_changed(const struct rl_stamps *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct stamp *old = &s->v[i];
		struct stamp now;

		take(&now, old->path);
		if (now.exists != old->exists)
			return true;
		if (!now.exists)
			continue;
		if (now.dev != old->dev || now.ino != old->ino || now.size != old->size ||
		    now.mtime.tv_sec != old->mtime.tv_sec ||
		    now.mtime.tv_nsec != old->mtime.tv_nsec ||
		    after(now.mtime, s->load_start))
			return true;
	}
	return false;
}

void rl_stamps_each(const struct rl_stamps *s,
                    void (*fn)(const char *path, bool exists, void *arg),
                    void *arg)
{
	for (size_t i = 0; i < s->n; i++)
		fn(s->v[i].path, s->v[i].exists, arg);
}
