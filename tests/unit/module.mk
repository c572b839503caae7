# tests/unit/: cmocka tests, one per core module, table-driven.

UNIT_TESTS := address domain_set net_set policy config query
UNIT_BINS  := $(patsubst %,$(BUILD)/tests/unit/%_test,$(UNIT_TESTS))

$(BUILD)/tests/unit/%.o: ALL_CPPFLAGS += $(CMOCKA_CFLAGS)

$(BUILD)/tests/unit/query_test: $(BUILD)/tests/unit/query_test.o \
		$(BUILD)/milter/query.o $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(CONFUSE_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/unit/%_test: $(BUILD)/tests/unit/%_test.o $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(CONFUSE_LIBS) $(CMOCKA_LIBS)

.PHONY: check-unit
check-unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do echo "== $$t"; $$t || exit 1; done

CHECK_TARGETS += check-unit
