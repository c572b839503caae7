# tests/stress/: load, reloads, hostile milter input, start-up faults,
# privileges, and relaylock SIGKILLed under a real Postfix. make stress runs the long versions (each under 10 minutes);
# make check runs short ones. The hostile test runs an ASan/UBSan build of
# the daemon (built in $(BUILD)/asan), the reload test also a
# ThreadSanitizer build in make stress ($(BUILD)/tsan).

STRESS_ENV = RELAYLOCK=$(abspath $(DAEMON)) MILTER_LOAD=$(abspath $(MILTER_LOAD))
ASAN_DAEMON := $(BUILD)/asan/relaylock
TSAN_DAEMON := $(BUILD)/tsan/relaylock

# Sanitized copies of the daemon, each in its own build directory.
$(ASAN_DAEMON): FORCE
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SANITIZE=address,undefined $@
$(TSAN_DAEMON): FORCE
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/tsan SANITIZE=thread $@

# $(call stress_suite,CONNS,RCPTS,RELOADS)
define stress_suite
	@$(STRESS_ENV) tests/stress/load_test.sh $(1) $(2)
	@$(STRESS_ENV) tests/stress/reload_test.sh $(3) $(2)
	@$(STRESS_ENV) RELAYLOCK_ASAN=$(abspath $(ASAN_DAEMON)) tests/stress/hostile_test.sh
	@$(STRESS_ENV) tests/stress/faults_test.sh
	@$(STRESS_ENV) RELAYLOCK_IT_WORKDIR=$(SCRATCH)/stress \
	  python3 tests/stress/sigkill_postfix.py
endef

.PHONY: check-stress stress-long stress-tsan
check-stress: $(DAEMON) $(MILTER_LOAD) $(ASAN_DAEMON)
	@echo "== stress (short): load, reloads, hostile input, faults, privileges"
	$(call stress_suite,100,20000,20)

stress-long: $(DAEMON) $(MILTER_LOAD) $(ASAN_DAEMON)
	$(call stress_suite,500,100000,100)

# The reload test again with the daemon under ThreadSanitizer.
stress-tsan: $(MILTER_LOAD) $(TSAN_DAEMON)
	@RELAYLOCK=$(abspath $(TSAN_DAEMON)) MILTER_LOAD=$(abspath $(MILTER_LOAD)) \
	  TSAN_OPTIONS=halt_on_error=0 tests/stress/reload_test.sh 100 30000

CHECK_TARGETS  += check-stress
STRESS_TARGETS += stress-long stress-tsan
