# tests/sources/: the hosted-domain sources (sources/): cmocka tests per
# module, fuzz replays of each parser, and the oracle test that asks a
# real Postfix over SMTP what it accepts.

SRC_UNIT_TESTS := pf_list pf_conf pf_tables
SRC_UNIT_BINS  := $(patsubst %,$(BUILD)/tests/sources/%_test,$(SRC_UNIT_TESTS))
SRC_QUERY      := $(BUILD)/tests/sources/source_query

$(BUILD)/tests/sources/%.o: ALL_CPPFLAGS += -Isources -Itests/fuzz $(CMOCKA_CFLAGS)

$(SRC_QUERY): $(BUILD)/tests/sources/source_query.o $(SOURCES_LIB) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(SOURCES_LIBS) \
		$(CORE_LIBS)

$(BUILD)/tests/sources/%_test: $(BUILD)/tests/sources/%_test.o \
		$(BUILD)/tests/sources/table_util.o $(SOURCES_LIB) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) \
		$(SOURCES_LIBS) $(CORE_LIBS) $(CMOCKA_LIBS)

# Unit tests build their tables with the real postmap in a scratch dir.
.PHONY: check-sources-unit check-sources-oracle check-sources-fuzz check-sources
check-sources-unit: $(SRC_UNIT_BINS) $(SCRATCH)/.made
	@for t in $(SRC_UNIT_BINS); do echo "== $$t"; \
	  RL_SCRATCH=$(SCRATCH) $$t || exit 1; done

check-sources-oracle: $(SRC_QUERY) $(SCRATCH)/.made
	@python3 tests/sources/oracle_test.py --query $(SRC_QUERY) \
	  --scratch $(SCRATCH)/sources-oracle

SRC_FUZZ_NAMES   := pf_list pf_conf pf_table
SRC_FUZZ_REPLAYS := $(patsubst %,$(BUILD)/tests/sources/%_replay,$(SRC_FUZZ_NAMES))

$(BUILD)/tests/sources/%_replay: $(BUILD)/tests/sources/%_fuzz.o \
		$(BUILD)/tests/fuzz/replay_main.o $(SOURCES_LIB) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) \
		$(SOURCES_LIBS) $(CORE_LIBS)

check-sources-fuzz: $(SRC_FUZZ_REPLAYS)
	@for n in $(SRC_FUZZ_NAMES); do \
	  $(BUILD)/tests/sources/$${n}_replay tests/sources/corpus/$$n || exit 1; done

check-sources: check-sources-oracle

CHECK_TARGETS += check-sources
ALL_TARGETS   += $(SRC_QUERY)
DEB_PACKAGES  += postfix postfix-lmdb postfix-cdb postfix-pcre python3
