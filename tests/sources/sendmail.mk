# tests/sources/sendmail.mk: the Sendmail source (sources/sm_*.c,
# sendmail_source.c): cmocka tests on hand-written sendmail.cf fragments,
# the fuzz replay of the sendmail.cf reader, and the oracle test against a
# real Sendmail (unpacked from Debian's packages, run in a namespace).

SM_CLASSES := $(BUILD)/tests/sources/sm_classes

$(SM_CLASSES): $(BUILD)/tests/sources/sm_classes.o $(SOURCES_LIB) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(SOURCES_LIBS) \
		$(CORE_LIBS)

ALL_TARGETS += $(SM_CLASSES)
