# tests/selftest/: relaylock-selftest's tests.
#   make check-selftest-unit      cmocka: reply parser, case table, verdicts,
#                                 OpenMetrics writer
#   make check-selftest           the probe against scripted SMTP servers
#                                 (127.0.0.1; --netns in a private namespace)
#   make check-selftest-postfix   the probe against a real Postfix, open and
#                                 protected by relaylock (tests/integration)
#   make check-selftest-sendmail  the same against a real Sendmail
#   make check-selftest-direct    real MTAs delivering literal recipients:
#                                 refused senders, --catch, IPv6
#   make check-selftest-fuzz-replay  the reply parser's fuzz corpus
#   make fuzz-selftest            the reply parser under libFuzzer

SELFTEST_UNIT := $(BUILD)/tests/selftest/smtp_reply_test $(BUILD)/tests/selftest/cases_test \
	$(BUILD)/tests/selftest/openmetrics_test

$(BUILD)/tests/selftest/%.o: ALL_CPPFLAGS += -Iselftest $(CMOCKA_CFLAGS)

$(BUILD)/tests/selftest/smtp_reply_test: $(BUILD)/tests/selftest/smtp_reply_test.o \
		$(BUILD)/selftest/smtp_reply.o
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

$(BUILD)/tests/selftest/cases_test: $(BUILD)/tests/selftest/cases_test.o \
		$(BUILD)/selftest/cases.o $(BUILD)/selftest/probe.o $(BUILD)/selftest/catch.o \
		$(BUILD)/selftest/smtp_conn.o $(BUILD)/selftest/smtp_reply.o
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(OPENSSL_LIBS) -pthread

$(BUILD)/tests/selftest/openmetrics_test: $(BUILD)/tests/selftest/openmetrics_test.o \
		$(BUILD)/selftest/openmetrics.o $(BUILD)/selftest/cases.o $(BUILD)/selftest/probe.o \
		$(BUILD)/selftest/catch.o $(BUILD)/selftest/smtp_conn.o $(BUILD)/selftest/smtp_reply.o
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(OPENSSL_LIBS) -pthread

.PHONY: check-selftest-unit check-selftest check-selftest-postfix
check-selftest-unit: $(SELFTEST_UNIT)
	@for t in $(SELFTEST_UNIT); do echo "== $$t"; $$t || exit 1; done

check-selftest: $(SELFTEST)
	@echo "== selftest: scripted SMTP servers"
	@SELFTEST=$(abspath $(SELFTEST)) python3 tests/selftest/test_scripted.py

CHECK_TARGETS += check-selftest-unit check-selftest
# openssl: the test certificate for STARTTLS; iproute2/util-linux: --netns;
# man-db: the man page check; python3-prometheus-client: its two parsers
# check -f openmetrics; dnsmasq-base: the DNS server of the --mx tests.
DEB_PACKAGES  += openssl iproute2 util-linux python3 man-db python3-prometheus-client \
	dnsmasq-base

# What the real-MTA suites are told: the binaries and the scratch places.
SELFTEST_MTA_ENV = SELFTEST=$(abspath $(SELFTEST)) RELAYLOCK=$(abspath $(DAEMON)) \
	RELAYLOCK_IT_WORKDIR=$(SCRATCH)/integration \
	RELAYLOCK_MTA_CACHE=$(SCRATCH)/mta-cache

# A real Postfix (tests/integration/harness.py), relaylock as its milter.
check-selftest-postfix: $(SELFTEST) $(DAEMON)
	@echo "== selftest: real Postfix, open and protected by relaylock"
	@$(SELFTEST_MTA_ENV) python3 tests/selftest/test_postfix.py

CHECK_TARGETS += check-selftest-postfix
DEB_PACKAGES  += postfix sasl2-bin libsasl2-modules

# The SMTP reply parser as a fuzz target: make check replays the corpus
# (tests/selftest/corpus/smtp_reply); make fuzz runs it under libFuzzer.
SELFTEST_FUZZ_REPLAY := $(BUILD)/tests/selftest/smtp_reply_replay
$(BUILD)/tests/selftest/smtp_reply_fuzz.o: ALL_CPPFLAGS += -Itests/fuzz

$(SELFTEST_FUZZ_REPLAY): $(BUILD)/tests/selftest/smtp_reply_fuzz.o \
		$(BUILD)/tests/fuzz/replay_main.o $(BUILD)/selftest/smtp_reply.o
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^

.PHONY: check-selftest-fuzz-replay fuzz-selftest
check-selftest-fuzz-replay: $(SELFTEST_FUZZ_REPLAY)
	@$(SELFTEST_FUZZ_REPLAY) tests/selftest/corpus/smtp_reply

$(LIBFUZZER_DIR)/tests/selftest/smtp_reply_fuzz.o: ALL_CPPFLAGS += -Iselftest -Itests/fuzz
$(LIBFUZZER_DIR)/smtp_reply_fuzzer: $(LIBFUZZER_DIR)/tests/selftest/smtp_reply_fuzz.o \
		$(LIBFUZZER_DIR)/selftest/smtp_reply.o
	$(QUIET_LD)$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^

fuzz-selftest: $(LIBFUZZER_DIR)/smtp_reply_fuzzer
	@work=$(LIBFUZZER_DIR)/corpus/smtp_reply; mkdir -p $$work; \
	cp -n tests/selftest/corpus/smtp_reply/* $$work/; \
	echo "fuzz: smtp_reply for $(FUZZ_SECONDS)s"; \
	$(LIBFUZZER_DIR)/smtp_reply_fuzzer -max_total_time=$(FUZZ_SECONDS) \
	  -print_final_stats=1 -max_len=8192 \
	  -artifact_prefix=$(LIBFUZZER_DIR)/smtp_reply- $$work \
	  2>$(LIBFUZZER_DIR)/smtp_reply.log || { tail -40 $(LIBFUZZER_DIR)/smtp_reply.log; exit 1; }; \
	echo "fuzz: smtp_reply executions=$$(sed -n 's/^stat::number_of_executed_units: *//p' \
	  $(LIBFUZZER_DIR)/smtp_reply.log) $$(grep -o 'cov: [0-9]*' $(LIBFUZZER_DIR)/smtp_reply.log | tail -1)"

CHECK_TARGETS += check-selftest-fuzz-replay
FUZZ_TARGETS  += fuzz-selftest

# A real Sendmail, unpacked from its Debian packages (never installed).
.PHONY: check-selftest-sendmail
check-selftest-sendmail: $(SELFTEST) $(DAEMON)
	@echo "== selftest: real Sendmail, open and protected by relaylock"
	@$(SELFTEST_MTA_ENV) python3 tests/selftest/test_sendmail.py

CHECK_TARGETS += check-selftest-sendmail
DEB_PACKAGES  += m4 libwrap0 apt

# Real MTAs that deliver literal recipients directly (tests/selftest/
# mta_direct.py): refused senders, --catch proof by arrival, IPv6.
.PHONY: check-selftest-direct
check-selftest-direct: $(SELFTEST) $(DAEMON)
	@echo "== selftest: real Postfix and Sendmail delivering literal recipients"
	@$(SELFTEST_MTA_ENV) python3 tests/selftest/test_mta_direct.py

CHECK_TARGETS += check-selftest-direct
