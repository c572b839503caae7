# tests/bench/: make bench prints "bench: NAME VALUE UNIT" figures and
# collects them in $(BUILD)/bench.json. A benchmark asserts nothing.

BENCH_LOG  := $(BUILD)/bench.txt
CORE_BENCH := $(BUILD)/tests/bench/core_bench

# metrics.o: --metrics counts each decision as the daemon does.
$(CORE_BENCH): $(BUILD)/tests/bench/core_bench.o $(BUILD)/milter/metrics.o $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(CONFUSE_LIBS)

.PHONY: bench-core
bench-core: $(CORE_BENCH)
	@mkdir -p $(BUILD)/bench-data
	@$(CORE_BENCH) $(BUILD)/bench-data | tee -a $(BENCH_LOG)
	@tests/bench/callgrind_ipd.sh $(CORE_BENCH) | tee -a $(BENCH_LOG)

BENCH_TARGETS += bench-core
DEB_PACKAGES  += valgrind

# hosted_domains_from: 1M domains from Postfix texthash and hash tables,
# decisions with a regexp table (sources/).
SOURCES_BENCH := $(BUILD)/tests/bench/sources_bench
$(BUILD)/tests/bench/sources_bench.o: ALL_CPPFLAGS += -Isources
$(SOURCES_BENCH): $(BUILD)/tests/bench/sources_bench.o $(SOURCES_LIB) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(SOURCES_LIBS) $(CORE_LIBS)

.PHONY: bench-sources
bench-sources: $(SOURCES_BENCH)
	@mkdir -p $(BUILD)/bench-data/sources
	@$(SOURCES_BENCH) $(abspath $(BUILD))/bench-data/sources | tee -a $(BENCH_LOG)

BENCH_TARGETS += bench-sources
