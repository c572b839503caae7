/* config_fuzz.c - the config loader on hostile relaylock.conf text. A load
 * either succeeds with a whole policy or fails with file:line messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_text.h"
#include "fuzz.h"

/* Write the input to one scratch file, reused by every run. */
static const char *scratch_file(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;

	if (fd < 0) {
		strcpy(path, "/tmp/relaylock-fuzz-XXXXXX");
		fd = mkstemp(path);
		if (fd < 0)
			abort();
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	return path;
}

/* Comment stripping keeps every line break and never grows the text. */
static void check_strip(const uint8_t *data, size_t size)
{
	char *out = malloc(size + 1);
	size_t in_lines = 0, out_lines = 0, n;

	if (!out)
		return;
	n = rl_conf_strip_comments((const char *)data, size, out);
	if (n > size || out[n] != '\0')
		abort();
	for (size_t i = 0; i < size; i++)
		in_lines += data[i] == '\n';
	for (size_t i = 0; i < n; i++)
		out_lines += out[i] == '\n';
	if (in_lines != out_lines)
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rl_diag diag;
	struct rl_config *c;

	/* Keep list files out: the input must not read other files. */
	for (size_t i = 0; i + 5 <= size; i++)
		if (memcmp(data + i, "_file", 5) == 0)
			return 0;
	check_strip(data, size);
	rl_diag_init(&diag);
	c = rl_config_load(scratch_file(data, size), &diag);
	if ((c == NULL) == (diag.n == 0))
		abort(); /* failure without a message, or success with errors */
	if (c && (!c->policy || c->n_domains == 0))
		abort();
	for (size_t i = 0; i < diag.n; i++)
		if (!strchr(diag.msg[i], ':'))
			abort();
	rl_config_free(c);
	return 0;
}
