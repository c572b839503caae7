# tests/sources/sendmail.mk: the Sendmail source (sources/sm_*.c,
# sendmail_source.c): cmocka tests on hand-written sendmail.cf fragments,
# the fuzz replay of the sendmail.cf reader, and the oracle test against a
# real Sendmail (unpacked from Debian's packages, run in a namespace).

SM_CLASSES := $(BUILD)/tests/sources/sm_classes

$(SM_CLASSES): $(BUILD)/tests/sources/sm_classes.o $(SOURCES_LIB) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(SOURCES_LIBS) \
		$(CORE_LIBS)

# Like sources/, not in make all until the daemon links the sources.

SM_UNIT_BINS := $(BUILD)/tests/sources/sm_source_test

.PHONY: check-sources-sendmail-unit
check-sources-sendmail-unit: $(SM_UNIT_BINS) $(SCRATCH)/.made
	@for t in $(SM_UNIT_BINS); do echo "== $$t"; \
	  RL_SCRATCH=$(SCRATCH) $$t || exit 1; done

# A real Sendmail, unpacked from Debian's packages (tests/integration's
# sendmail_mta.py), in a namespace: its SMTP answers and `sendmail -bt`
# classes against the source's.
.PHONY: check-sources-sendmail-oracle check-sources-sendmail
# Sendmail unpacked once, before the tests that use it (they may run in
# parallel under make -j; the integration tests keep their own copy).
SM_TEST_ENV = RELAYLOCK=$(abspath $(DAEMON)) \
	RELAYLOCK_MTA_CACHE=$(SCRATCH)/mta-cache-sources

.PHONY: sources-sendmail-root
sources-sendmail-root: $(SCRATCH)/.made
	@$(SM_TEST_ENV) python3 -c 'import sys; sys.path.insert(0, \
	  "tests/integration"); import sendmail_mta; sendmail_mta.sendmail_root()'

check-sources-sendmail-oracle: $(SRC_QUERY) $(SM_CLASSES) sources-sendmail-root
	@$(SM_TEST_ENV) python3 tests/sources/sendmail_oracle.py --query $(SRC_QUERY) \
	  --classes $(SM_CLASSES) --scratch $(SCRATCH)/sendmail-oracle

# relaylock itself with hosted_domains_from = "sendmail:CF" in front of
# that Sendmail: served, refused, file changes, a vanished file.
.PHONY: check-sources-sendmail-e2e
check-sources-sendmail-e2e: $(DAEMON) sources-sendmail-root
	@$(SM_TEST_ENV) python3 tests/sources/sendmail_e2e.py --scratch $(SCRATCH)/sendmail-e2e

check-sources-sendmail: check-sources-sendmail-unit check-sources-sendmail-fuzz \
	check-sources-sendmail-oracle check-sources-sendmail-e2e

CHECK_TARGETS += check-sources-sendmail
DEB_PACKAGES  += m4 libwrap0 iproute2 util-linux python3 libdb5.3-dev

# The sendmail.cf reader's fuzz target, replayed over its seed corpus.
SM_FUZZ_REPLAY := $(BUILD)/tests/sources/sm_cf_replay

.PHONY: check-sources-sendmail-fuzz
check-sources-sendmail-fuzz: $(SM_FUZZ_REPLAY)
	@$(SM_FUZZ_REPLAY) tests/sources/corpus/sm_cf

# make fuzz: the same target under libFuzzer, by tests/sources/module.mk's
# rules for the sources targets.
.PHONY: fuzz-sources-sendmail
fuzz-sources-sendmail:
	@$(MAKE) --no-print-directory fuzz-sources SRC_FUZZ_NAMES=sm_cf

FUZZ_TARGETS += fuzz-sources-sendmail
