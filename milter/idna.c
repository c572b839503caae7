/* idna.c - one domain label to its A-label form (IDNA, UTS #46). */
#include "idna.h"

#include <idn2.h>
#include <stdlib.h>
#include <string.h>

bool rl_idna_needed(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return len >= 4 && (s[0] | 0x20) == 'x' && (s[1] | 0x20) == 'n' &&
	       s[2] == '-' && s[3] == '-';
}

int rl_idna_label(const char *in, size_t len, char *out, size_t cap)
{
	char buf[RL_IDNA_LABEL_IN_MAX + 1];
	uint8_t *ascii = NULL;
	size_t n;

	/* libidn2 wants a NUL-terminated string. */
	if (len == 0 || len > RL_IDNA_LABEL_IN_MAX || memchr(in, '\0', len))
		return -1;
	memcpy(buf, in, len);
	buf[len] = '\0';
	/* No IDN2_USE_STD3_ASCII_RULES: in libidn2 2.3 it silently drops
	 * mapped '@', '/' or '_' (U+FF20 -> nothing); without it they come
	 * out as themselves and the caller's LDH check refuses them. */
	if (idn2_lookup_u8((const uint8_t *)buf, &ascii,
	                   IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK)
		return -1;
	n = strlen((const char *)ascii);
	if (n == 0 || n >= cap) {
		idn2_free(ascii);
		return -1;
	}
	memcpy(out, ascii, n + 1);
	idn2_free(ascii);
	return (int)n;
}
