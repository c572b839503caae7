# tests/stress/fuzz.mk: libFuzzer target for the self-test's SMTP reply
# parser (tests/fuzz/selftest_reply_fuzz.c); corpus in
# tests/stress/corpus/selftest_reply, replayed in make check.

REPLY_CORPUS := tests/stress/corpus/selftest_reply

$(BUILD)/tests/fuzz/selftest_reply_replay: $(BUILD)/tests/fuzz/selftest_reply_fuzz.o \
		$(BUILD)/tests/fuzz/replay_main.o $(BUILD)/selftest/smtp_reply.o
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^

$(LIBFUZZER_DIR)/selftest_reply_fuzzer: $(LIBFUZZER_DIR)/tests/fuzz/selftest_reply_fuzz.o \
		$(LIBFUZZER_DIR)/selftest/smtp_reply.o
	$(QUIET_LD)$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^

.PHONY: check-reply-fuzz-replay fuzz-reply
check-reply-fuzz-replay: $(BUILD)/tests/fuzz/selftest_reply_replay
	@$< $(REPLY_CORPUS)

fuzz-reply: $(LIBFUZZER_DIR)/selftest_reply_fuzzer
	@work=$(LIBFUZZER_DIR)/corpus/selftest_reply; mkdir -p $$work; \
	  cp -n $(REPLY_CORPUS)/* $$work/; \
	  echo "fuzz: selftest_reply for $(FUZZ_SECONDS)s"; \
	  $< -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -max_len=8192 \
	    -artifact_prefix=$(LIBFUZZER_DIR)/selftest_reply- $$work \
	    2>$(LIBFUZZER_DIR)/selftest_reply.log || { tail -40 $(LIBFUZZER_DIR)/selftest_reply.log; exit 1; }; \
	  execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(LIBFUZZER_DIR)/selftest_reply.log); \
	  cov=$$(grep -o 'cov: [0-9]*' $(LIBFUZZER_DIR)/selftest_reply.log | tail -1); \
	  echo "fuzz: selftest_reply executions=$$execs $$cov corpus=$$(ls $$work | wc -l)"

CHECK_TARGETS += check-reply-fuzz-replay
FUZZ_TARGETS  += fuzz-reply
