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

