# tests/load/: the milter-protocol load client and the null milter used by
# make bench and make stress.

MILTER_LOAD := $(BUILD)/tests/load/milter_load
NULL_MILTER := $(BUILD)/tests/load/null_milter

$(MILTER_LOAD): $(BUILD)/tests/load/milter_load.o
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ -pthread

$(NULL_MILTER): $(BUILD)/tests/load/null_milter.o
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(MILTER_LIBS)

.PHONY: bench-milter
bench-milter: $(DAEMON) $(MILTER_LOAD) $(NULL_MILTER)
	@tests/bench/milter_bench.sh $(DAEMON) $(NULL_MILTER) $(MILTER_LOAD) | tee -a $(BENCH_LOG)

BENCH_TARGETS += bench-milter

.PHONY: bench-postfix
bench-postfix: $(DAEMON) $(NULL_MILTER)
	@RELAYLOCK=$(abspath $(DAEMON)) NULL_MILTER=$(abspath $(NULL_MILTER)) \
	  RELAYLOCK_IT_WORKDIR=$(SCRATCH)/bench \
	  python3 tests/bench/postfix_bench.py | tee -a $(BENCH_LOG)

BENCH_TARGETS += bench-postfix
