# tests/ops/: relaylock-report (unit + generated logs), the fail2ban filter,
# the man pages, the systemd units and make install/uninstall.

OPS_TEST_DIR := $(BUILD)/tests/ops
REPORT_PARSE_TEST := $(OPS_TEST_DIR)/report_parse_test

$(OPS_TEST_DIR)/%.o: ALL_CPPFLAGS += $(CMOCKA_CFLAGS) -Ireport

$(REPORT_PARSE_TEST): $(OPS_TEST_DIR)/report_parse_test.o $(BUILD)/report/parse.o $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(CONFUSE_LIBS) $(CMOCKA_LIBS)

.PHONY: check-ops-report check-ops-fail2ban check-ops-daemon-log check-ops-man \
	check-ops-install check-ops-journal bench-report
check-ops-report: $(REPORT_PARSE_TEST) $(REPORT)
	@echo "== relaylock-report"
	@$(REPORT_PARSE_TEST)
	@tests/ops/report_test.sh $(REPORT) $(OPS_TEST_DIR)/report

check-ops-fail2ban:
	@echo "== fail2ban filter (crafted lines)"
	@tests/ops/fail2ban_test.sh conf/fail2ban/relaylock.conf \
		tests/ops/data/crafted.log tests/ops/data/crafted.expected
	@tests/ops/fail2ban_jail_test.sh conf/fail2ban/relaylock.conf conf/fail2ban/jail.local

# The real daemon's log (miltertest drives it, forged client= included),
# read by fail2ban-regex and relaylock-report.
check-ops-daemon-log: $(DAEMON) $(REPORT)
	@echo "== real daemon log: fail2ban filter and relaylock-report"
	@tests/ops/daemon_log_test.sh $(DAEMON) $(REPORT) conf/fail2ban/relaylock.conf

# Under systemd: priorities as <N> prefixes, no own prefix in the journal.
check-ops-journal: $(DAEMON)
	@echo "== journal priorities"
	@tests/ops/journal_log_test.sh $(DAEMON)

check-ops-man:
	@echo "== man pages"
	@tests/ops/man_test.sh man/*.[58]

# `make install` is `all` plus install-files: run install-files with the
# binaries already built, into a scratch DESTDIR under /tmp, with its own
# BUILD for the generated units so that this tree's build keeps its paths.
check-ops-install: $(DAEMON) $(REPORT) $(SELFTEST)
	@echo "== make install / uninstall"
	@MAKE="$(MAKE)" tests/ops/install_test.sh "$(abspath $(DAEMON))" "$(abspath $(REPORT))" "$(if $(SELFTEST),$(abspath $(SELFTEST)))"

bench-report: $(REPORT)
	@tests/ops/report_bench.sh $(REPORT) $(BUILD)/bench-data/report | tee -a $(BENCH_LOG)

CHECK_TARGETS += check-ops-report check-ops-fail2ban check-ops-daemon-log check-ops-man \
	check-ops-install check-ops-journal
BENCH_TARGETS += bench-report
DEB_PACKAGES  += python3 fail2ban man-db groff-base gzip miltertest util-linux mount

# The line parser as a fuzz target: replayed over tests/ops/corpus/report in
# make check; `make fuzz` runs it under libFuzzer (clang).
REPORT_FUZZ_REPLAY := $(OPS_TEST_DIR)/report_replay
$(REPORT_FUZZ_REPLAY): $(OPS_TEST_DIR)/report_fuzz.o $(BUILD)/tests/fuzz/replay_main.o \
		$(BUILD)/report/parse.o $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(CONFUSE_LIBS)
$(OPS_TEST_DIR)/report_fuzz.o: ALL_CPPFLAGS += -Itests/fuzz

.PHONY: check-ops-fuzz-replay fuzz-report
check-ops-fuzz-replay: $(REPORT_FUZZ_REPLAY)
	@$(REPORT_FUZZ_REPLAY) tests/ops/corpus/report

$(LIBFUZZER_DIR)/tests/ops/report_fuzz.o: ALL_CPPFLAGS += -Ireport -Itests/fuzz
$(LIBFUZZER_DIR)/report_fuzzer: $(LIBFUZZER_DIR)/tests/ops/report_fuzz.o \
		$(LIBFUZZER_DIR)/report/parse.o $(LIBFUZZER_CORE)
	$(QUIET_LD)$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^ $(CONFUSE_LIBS)

fuzz-report: $(LIBFUZZER_DIR)/report_fuzzer
	@work=$(LIBFUZZER_DIR)/corpus/report; mkdir -p $$work; \
	  cp -n tests/ops/corpus/report/* $$work/; \
	  $(LIBFUZZER_DIR)/report_fuzzer -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -max_len=4096 -artifact_prefix=$(LIBFUZZER_DIR)/report- $$work \
	    2> $(LIBFUZZER_DIR)/report.log || { tail -40 $(LIBFUZZER_DIR)/report.log; exit 1; }; \
	  echo "fuzz: report executions=$$(sed -n 's/^stat::number_of_executed_units: *//p' \
	    $(LIBFUZZER_DIR)/report.log) corpus=$$(ls $$work | wc -l)"

CHECK_TARGETS += check-ops-fuzz-replay
FUZZ_TARGETS  += fuzz-report
