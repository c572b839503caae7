# tests/integration/: relaylock against a real Postfix and a real Sendmail,
# both deliberately open relays, in a private network namespace (root).
#   make check-integration             the whole suite (needs $(DAEMON))
#   make check-integration-baseline    the harness alone: no relaylock; the
#                                      open-relay controls and the MTAs' own
#                                      relay rules
#   make check-integration-negative    the suite against naive_milter.py (a
#                                      filter that trusts the text after the
#                                      last '@'): it must FAIL, with tricks
#                                      reaching the outside sink (Sendmail)
#   make check-integration-routing-negative
#                                      the routing run against
#                                      strict_milter.py (relaylock's rule
#                                      before issue 16): it must FAIL with
#                                      Sendmail's virtusertable forwards
#                                      refused as mta_resolution
# The Sendmail packages are downloaded once into $(BUILD)/mta-cache.
# Layout: the harness by job (procs, smtp, sinks, relaylock_proc, one
# module per MTA; harness.py re-exports them all), the suites in suites/
# (one file each), run.py the runner (`run.py --inventory FILE` writes the
# name of every check it ran).

INTEGRATION_ENV = RELAYLOCK=$(abspath $(DAEMON)) \
	RELAYLOCK_IT_WORKDIR=$(SCRATCH)/integration \
	RELAYLOCK_MTA_CACHE=$(SCRATCH)/mta-cache

.PHONY: check-integration check-integration-baseline \
	check-integration-negative check-integration-routing-negative
check-integration: $(DAEMON)
	@echo "== integration: real Postfix and Sendmail"
	@$(INTEGRATION_ENV) python3 tests/integration/run.py

check-integration-baseline:
	@$(INTEGRATION_ENV) python3 tests/integration/run.py --baseline

# The full suite holds the baseline's controls; the negative control proves
# the suite can fail.
CHECK_TARGETS += check-integration check-integration-negative \
	check-integration-routing-negative

# Passes only when the suite fails against the naive filter AND the outside
# sink under Sendmail received relayed trick messages: proof that the suite
# can fail and that its sink count sees real relaying.
check-integration-negative:
	@echo "== integration negative control: a naive filter must be caught"
	@out=$$(RELAYLOCK=$(abspath tests/integration/naive_milter.py) \
	  RELAYLOCK_IT_WORKDIR=$(SCRATCH)/integration-negative \
	  RELAYLOCK_MTA_CACHE=$(SCRATCH)/mta-cache \
	  python3 tests/integration/run.py --run main 2>&1); st=$$?; \
	echo "$$out" | grep -E '^(SUMMARY|integration:)'; \
	if [ $$st -ne 0 ] && echo "$$out" | grep -qE \
	  '^SUMMARY sendmail: .*outside-sink messages from tricks [1-9]'; then \
	  echo "PASS negative control: the suite fails a naive filter"; \
	else echo "$$out" | tail -40; \
	  echo "FAIL negative control: a naive filter was not caught"; exit 1; fi

# Passes only when the routing run fails against the old rule exactly
# where issue 16 says: the three virtusertable forwards (plain, +detail,
# catch-all) refused as mta_resolution, while every trick stays refused:
# proof that the routing suite sees lost forwards.
LOST_FORWARD_RE = ^FAIL sendmail-routing: forward accepted and delivered: \
	virtusertable (forward|forward with \+detail|catch-all) \
	.*Relaying denied \(mta_resolution\)
check-integration-routing-negative:
	@echo "== integration negative control: the old rule loses forwards"
	@out=$$(RELAYLOCK=$(abspath tests/integration/strict_milter.py) \
	  RELAYLOCK_IT_WORKDIR=$(SCRATCH)/it-routing-neg \
	  RELAYLOCK_MTA_CACHE=$(SCRATCH)/mta-cache \
	  python3 tests/integration/run.py --run routing --mta sendmail 2>&1); \
	st=$$?; echo "$$out" | grep -E '^(SUMMARY|integration:)'; \
	lost=$$(echo "$$out" | grep -cE '$(LOST_FORWARD_RE)'); \
	if [ $$st -ne 0 ] && [ "$$lost" -eq 3 ] && \
	  ! echo "$$out" | grep -qE '^FAIL .*trick'; then \
	  echo "PASS negative control: the routing suite catches lost forwards"; \
	else echo "$$out" | grep -E '^FAIL' | head -20; \
	  echo "FAIL negative control: lost forwards not caught ($$lost of 3)"; \
	  exit 1; fi

# postfix: the MTA and smtp-sink; sasl2-bin/libsasl2-modules: SMTP AUTH via
# sasldb; m4 and the libraries below: the unpacked Sendmail (never installed:
# it conflicts with postfix); iproute2/util-linux: namespaces, flock.
DEB_PACKAGES += postfix m4 libwrap0 sasl2-bin libsasl2-modules iproute2 \
	python3 util-linux mount hostname apt libdb5.3 libldap-2.5-0 \
	liblockfile1 libnsl2 libsasl2-2 libssl3

# The longest recipients the real Postfix and Sendmail accept, with no
# milter and no routing: the figures in relaylock.conf(5).
.PHONY: measure-limits
measure-limits:
	@$(INTEGRATION_ENV) python3 tests/integration/limits.py

# /metrics against the decision log, behind a real Postfix (issue 19).
.PHONY: check-integration-metrics
check-integration-metrics: $(DAEMON)
	@echo "== integration: /metrics against the decision log (Postfix)"
	@RELAYLOCK=$(abspath $(DAEMON)) RELAYLOCK_IT_WORKDIR=$(SCRATCH)/itm \
	  RELAYLOCK_MTA_CACHE=$(SCRATCH)/mta-cache python3 tests/integration/metrics_run.py
CHECK_TARGETS += check-integration-metrics
