# tests/sources/: the hosted-domain sources (sources/): cmocka tests per
# module, fuzz replays of each parser, and the oracle test that asks a
# real Postfix over SMTP what it accepts.

SRC_UNIT_TESTS := pf_list pf_conf pf_tables source_threads
SRC_UNIT_BINS  := $(patsubst %,$(BUILD)/tests/sources/%_test,$(SRC_UNIT_TESTS))
SRC_QUERY      := $(BUILD)/tests/sources/source_query

$(BUILD)/tests/sources/%.o: ALL_CPPFLAGS += -Isources -Itests/fuzz $(CMOCKA_CFLAGS)

$(SRC_QUERY): $(BUILD)/tests/sources/source_query.o $(SOURCES_LIB) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(SOURCES_LIBS) \
		$(CORE_LIBS)

$(BUILD)/tests/sources/%_test: $(BUILD)/tests/sources/%_test.o \
		$(BUILD)/tests/sources/table_util.o $(SOURCES_LIB) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) \
		$(SOURCES_LIBS) $(CORE_LIBS) $(CMOCKA_LIBS) $(SRC_UNIT_LIBS)

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
		$(BUILD)/tests/sources/fuzz_check.o $(BUILD)/tests/fuzz/replay_main.o \
		$(SOURCES_LIB) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) \
		$(SOURCES_LIBS) $(CORE_LIBS)

check-sources-fuzz: $(SRC_FUZZ_REPLAYS)
	@for n in $(SRC_FUZZ_NAMES); do \
	  $(BUILD)/tests/sources/$${n}_replay tests/sources/corpus/$$n || exit 1; done

check-sources: check-sources-unit check-sources-fuzz check-sources-oracle

CHECK_TARGETS += check-sources
DEB_PACKAGES  += postfix postfix-lmdb postfix-cdb postfix-pcre python3

# make fuzz: each sources target under libFuzzer for FUZZ_SECONDS (the
# clang rules and LIBFUZZER_* come from tests/fuzz/module.mk).
LIBFUZZER_SOURCES := $(patsubst %.c,$(LIBFUZZER_DIR)/%.o,$(SOURCES_SRCS) \
	tests/sources/fuzz_check.c)
$(LIBFUZZER_DIR)/sources/%.o $(LIBFUZZER_DIR)/tests/sources/%.o: \
	ALL_CPPFLAGS += -Isources -Itests/fuzz

$(LIBFUZZER_DIR)/src_%_fuzzer: $(LIBFUZZER_DIR)/tests/sources/%_fuzz.o \
		$(LIBFUZZER_SOURCES) $(LIBFUZZER_CORE)
	$(QUIET_LD)$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^ \
		$(filter-out $(SOURCES_LIB),$(SOURCES_LIBS)) $(CONFUSE_LIBS)

.PHONY: fuzz-sources
fuzz-sources: $(patsubst %,$(LIBFUZZER_DIR)/src_%_fuzzer,$(SRC_FUZZ_NAMES))
	@for n in $(SRC_FUZZ_NAMES); do \
	  work=$(LIBFUZZER_DIR)/corpus/src_$$n; mkdir -p $$work; \
	  cp -n tests/sources/corpus/$$n/* $$work/; \
	  echo "fuzz: sources $$n for $(FUZZ_SECONDS)s"; \
	  $(LIBFUZZER_DIR)/src_$${n}_fuzzer -max_total_time=$(FUZZ_SECONDS) \
	    -print_final_stats=1 -max_len=4096 \
	    -artifact_prefix=$(LIBFUZZER_DIR)/src_$$n- $$work \
	    2>$(LIBFUZZER_DIR)/src_$$n.log || { tail -40 $(LIBFUZZER_DIR)/src_$$n.log; exit 1; }; \
	  execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(LIBFUZZER_DIR)/src_$$n.log); \
	  cov=$$(grep -o 'cov: [0-9]*' $(LIBFUZZER_DIR)/src_$$n.log | tail -1); \
	  echo "fuzz: sources $$n executions=$$execs $$cov corpus=$$(ls $$work | wc -l)"; \
	done

FUZZ_TARGETS += fuzz-sources

SRC_BENCH := $(BUILD)/tests/sources/source_bench
$(SRC_BENCH): $(BUILD)/tests/sources/source_bench.o \
		$(BUILD)/tests/sources/table_util.o $(SOURCES_LIB) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) \
		$(SOURCES_LIBS) $(CORE_LIBS)

.PHONY: bench-sources
bench-sources: $(SRC_BENCH) $(SCRATCH)/.made
	@RL_SCRATCH=$(SCRATCH) $(SRC_BENCH) | tee -a $(BUILD)/bench.txt

BENCH_TARGETS += bench-sources
$(BUILD)/tests/sources/source_threads_test: SRC_UNIT_LIBS += -pthread

# The threads test under ThreadSanitizer, in its own build directory.
.PHONY: stress-sources
stress-sources: $(SCRATCH)/.made
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/tsan SANITIZE=thread \
	  $(BUILD)/tsan/tests/sources/source_threads_test
	@RL_SCRATCH=$(SCRATCH) $(BUILD)/tsan/tests/sources/source_threads_test

STRESS_TARGETS += stress-sources
