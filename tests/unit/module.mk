# tests/unit/: cmocka tests, one per core module, table-driven.

UNIT_TESTS := address domain_set net_set policy config config_text query \
	decision_log policy_holder client_ip metrics
UNIT_BINS  := $(patsubst %,$(BUILD)/tests/unit/%_test,$(UNIT_TESTS))

$(BUILD)/tests/unit/%.o: ALL_CPPFLAGS += $(CMOCKA_CFLAGS)

# query.o and milter_callbacks.o warm the sources' directories: they link
# the sources (and with them the directory library).
$(BUILD)/tests/unit/query_test: $(BUILD)/tests/unit/query_test.o \
		$(BUILD)/milter/query.o $(CORE_LIB) $(BUILD)/librelaylock-sources.a
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) \
		$(SOURCES_LIBS) $(CORE_LIBS) $(CMOCKA_LIBS)

# Tests of daemon modules link the module's object next to the core.
$(BUILD)/tests/unit/decision_log_test: $(BUILD)/milter/decision_log.o
$(BUILD)/tests/unit/policy_holder_test: $(BUILD)/milter/policy_holder.o
$(BUILD)/tests/unit/metrics_test: $(BUILD)/milter/metrics.o $(BUILD)/milter/metrics_format.o
$(BUILD)/tests/unit/metrics_test: UNIT_LIBS += -pthread
$(BUILD)/tests/unit/client_ip_test: $(BUILD)/milter/milter_callbacks.o \
	$(BUILD)/milter/log.o $(BUILD)/milter/decision_log.o \
	$(BUILD)/milter/policy_holder.o $(BUILD)/milter/metrics.o
$(BUILD)/tests/unit/client_ip_test: $(BUILD)/librelaylock-sources.a
$(BUILD)/tests/unit/client_ip_test: UNIT_LIBS += $(SOURCES_LIBS) $(CORE_LIBS) \
	$(MILTER_LIBS)
$(BUILD)/tests/unit/policy_holder_test: UNIT_LIBS += -pthread

$(BUILD)/tests/unit/%_test: $(BUILD)/tests/unit/%_test.o $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) \
		$(CORE_LIB) $(CONFUSE_LIBS) $(CMOCKA_LIBS) $(UNIT_LIBS)

.PHONY: check-unit
check-unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do echo "== $$t"; $$t || exit 1; done

CHECK_TARGETS += check-unit
