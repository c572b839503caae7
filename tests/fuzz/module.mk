# tests/fuzz/: fuzz targets for the address parser, the config loader and
# list files. make check replays the committed corpus with the normal
# compiler; make fuzz runs each target under libFuzzer (clang) for
# FUZZ_SECONDS and prints executions and coverage.

FUZZ_NAMES   := address config listfile
FUZZ_REPLAYS := $(patsubst %,$(BUILD)/tests/fuzz/%_replay,$(FUZZ_NAMES))
FUZZ_SECONDS ?= 60
CLANG        ?= clang

$(BUILD)/tests/fuzz/%_replay: $(BUILD)/tests/fuzz/%_fuzz.o \
		$(BUILD)/tests/fuzz/replay_main.o $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(CONFUSE_LIBS)

.PHONY: check-fuzz-replay
check-fuzz-replay: $(FUZZ_REPLAYS)
	@for n in $(FUZZ_NAMES); do \
	  $(BUILD)/tests/fuzz/$${n}_replay tests/fuzz/corpus/$$n || exit 1; done

CHECK_TARGETS += check-fuzz-replay

# libFuzzer build: its own objects, instrumented by clang.
LIBFUZZER_DIR    := $(BUILD)/libfuzzer
LIBFUZZER_CFLAGS := -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all $(filter-out -Werror,$(WARNINGS))
LIBFUZZER_CORE   := $(patsubst %.c,$(LIBFUZZER_DIR)/%.o,$(CORE_SRCS) $(CONFIG_SRCS))

$(LIBFUZZER_DIR)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(QUIET_CC)$(CLANG) $(ALL_CPPFLAGS) $(LIBFUZZER_CFLAGS) -c -o $@ $<

$(LIBFUZZER_DIR)/%_fuzzer: $(LIBFUZZER_DIR)/tests/fuzz/%_fuzz.o $(LIBFUZZER_CORE)
	$(QUIET_LD)$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^ $(CONFUSE_LIBS)

# Each target starts from a copy of the committed corpus, so new inputs
# stay in build/ until someone chooses to commit them.
.PHONY: fuzz-core
fuzz-core: $(patsubst %,$(LIBFUZZER_DIR)/%_fuzzer,$(FUZZ_NAMES))
	@for n in $(FUZZ_NAMES); do \
	  work=$(LIBFUZZER_DIR)/corpus/$$n; mkdir -p $$work; \
	  cp -n tests/fuzz/corpus/$$n/* $$work/; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	  $(LIBFUZZER_DIR)/$${n}_fuzzer -max_total_time=$(FUZZ_SECONDS) \
	    -print_final_stats=1 -max_len=4096 \
	    -artifact_prefix=$(LIBFUZZER_DIR)/$$n- $$work \
	    2>$(LIBFUZZER_DIR)/$$n.log || { tail -40 $(LIBFUZZER_DIR)/$$n.log; exit 1; }; \
	  execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(LIBFUZZER_DIR)/$$n.log); \
	  cov=$$(grep -o 'cov: [0-9]*' $(LIBFUZZER_DIR)/$$n.log | tail -1); \
	  echo "fuzz: $$n executions=$$execs $$cov corpus=$$(ls $$work | wc -l)"; \
	done

FUZZ_TARGETS += fuzz-core
DEB_PACKAGES += clang libclang-rt-14-dev
