/* null_milter.c - the baseline for make bench: a libmilter milter that
 * negotiates like relaylock (same macros, same skipped stages, never
 * SMFIP_NODATA) and accepts everything.   null_milter unix:/path */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static sfsistat negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                          unsigned long f2, unsigned long f3, unsigned long *pf0,
                          unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)f2;
	(void)f3;
	*pf0 = f0 & SMFIF_SETSYMLIST;
	*pf1 = f1 & (SMFIP_NOHELO | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY |
	             SMFIP_NOUNKNOWN);
	*pf2 = *pf3 = 0;
	if (f0 & SMFIF_SETSYMLIST) {
		smfi_setsymlist(ctx, SMFIM_CONNECT, "{client_addr} {daemon_addr}");
		smfi_setsymlist(ctx, SMFIM_ENVFROM, "{auth_authen} {auth_type} i");
		smfi_setsymlist(ctx, SMFIM_ENVRCPT, "{rcpt_addr} {rcpt_host} {rcpt_mailer} i");
	}
	return SMFIS_CONTINUE;
}

static sfsistat pass(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

int main(int argc, char **argv)
{
	struct smfiDesc desc = {
		.xxfi_name = "null",
		.xxfi_version = SMFI_VERSION,
		.xxfi_envfrom = pass,
		.xxfi_envrcpt = pass,
		.xxfi_negotiate = negotiate,
	};

	if (argc != 2) {
		fprintf(stderr, "usage: null_milter unix:/path\n");
		return 64;
	}
	if (smfi_register(desc) != MI_SUCCESS || smfi_setconn(argv[1]) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "null_milter: cannot open %s\n", argv[1]);
		return 69;
	}
	if (argv[1][0] == 'u')
		chmod(argv[1] + 5, 0666);
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
