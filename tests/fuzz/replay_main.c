/* replay_main.c - run a fuzz target over its corpus without libFuzzer, so
 * plain gcc (and the sanitizers) replay every seed in make check. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX (1 << 20)

static int replay_file(const char *path, unsigned char *buf, size_t *count)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	(*count)++;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char *buf = malloc(REPLAY_MAX);
	size_t count = 0;
	int status = 0;

	if (!buf || argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;
		char path[4096];

		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			status = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			status |= replay_file(argv[i], buf, &count) != 0;
			continue;
		}
		if (!(d = opendir(argv[i]))) {
			perror(argv[i]);
			status = 1;
			continue;
		}
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
			status |= replay_file(path, buf, &count) != 0;
		}
		closedir(d);
	}
	free(buf);
	printf("%s: replayed %zu inputs\n", argv[0], count);
	if (count == 0)
		status = 1; /* an empty corpus proves nothing */
	return status;
}
