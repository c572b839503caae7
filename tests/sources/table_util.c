/* table_util.c - scratch files and postmap for the sources tests. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "table_util.h"

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[512];

const char *tu_fmt(const char *fmt, ...)
{
	static char bufs[8][4096];
	static int next;
	char *b = bufs[next++ % 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof bufs[0], fmt, ap);
	va_end(ap);
	return b;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Each run makes its own directory: remove it, so that runs (and the 1M
 * domain files of the bench) do not pile up in the scratch space. */
static void remove_dir(void)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *tu_dir(void)
{
	const char *base = getenv("RL_SCRATCH");

	if (dir[0])
		return dir;
	snprintf(dir, sizeof dir, "%s/sources-unit-XXXXXX", base ? base : "/var/tmp");
	if (!mkdtemp(dir))
		die(dir);
	atexit(remove_dir);
	tu_write("main.cf", "compatibility_level = 3.6\n");
	return dir;
}

const char *tu_write(const char *name, const char *text)
{
	const char *path = tu_fmt("%s/%s", tu_dir(), name);
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) == EOF || fclose(f) != 0)
		die(path);
	return path;
}

void tu_postmap(const char *type, const char *path)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execlp("postmap", "postmap", "-c", tu_dir(), tu_fmt("%s:%s", type, path),
		       (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "postmap %s:%s failed (make deps installs postfix,"
		        " postfix-lmdb, postfix-cdb)\n", type, path);
		exit(1);
	}
}
