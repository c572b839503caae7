# tests/sources/sendmail.mk: the Sendmail source (sources/sm_*.c,
# sendmail_source.c): cmocka tests on hand-written sendmail.cf fragments,
# the fuzz replay of the sendmail.cf reader, and the oracle test against a
# real Sendmail (unpacked from Debian's packages, run in a namespace).

SM_CLASSES := $(BUILD)/tests/sources/sm_classes

$(SM_CLASSES): $(BUILD)/tests/sources/sm_classes.o $(SOURCES_LIB) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(SOURCES_LIBS) \
		$(CORE_LIBS)

ALL_TARGETS += $(SM_CLASSES)

# A real Sendmail, unpacked from Debian's packages (tests/integration's
# sendmail_mta.py), in a namespace: its SMTP answers and `sendmail -bt`
# classes against the source's.
.PHONY: check-sources-sendmail-oracle check-sources-sendmail
check-sources-sendmail-oracle: $(SRC_QUERY) $(SM_CLASSES) $(SCRATCH)/.made
	@python3 tests/sources/sendmail_oracle.py --query $(SRC_QUERY) \
	  --classes $(SM_CLASSES) --scratch $(SCRATCH)/sendmail-oracle

check-sources-sendmail: check-sources-sendmail-oracle

CHECK_TARGETS += check-sources-sendmail
DEB_PACKAGES  += m4 libwrap0 iproute2 util-linux python3 libdb5.3-dev
