# tests/integration/: relaylock against a real Postfix and a real Sendmail,
# both deliberately open relays, in a private network namespace (root).
#   make check-integration             the whole suite (needs $(DAEMON))
#   make check-integration-baseline    the harness alone: no relaylock; the
#                                      open-relay controls and the MTAs' own
#                                      relay rules
# The Sendmail packages are downloaded once into $(BUILD)/mta-cache.

INTEGRATION_ENV = RELAYLOCK=$(abspath $(DAEMON)) \
	RELAYLOCK_IT_WORKDIR=$(abspath $(BUILD))/integration \
	RELAYLOCK_MTA_CACHE=$(abspath $(BUILD))/mta-cache

.PHONY: check-integration check-integration-baseline
check-integration: $(DAEMON)
	@echo "== integration: real Postfix and Sendmail"
	@$(INTEGRATION_ENV) python3 tests/integration/run.py

check-integration-baseline:
	@$(INTEGRATION_ENV) python3 tests/integration/run.py --baseline

# Until the daemon lands the baseline runs in make check; then the full suite.
CHECK_TARGETS += check-integration-baseline

# postfix: the MTA and smtp-sink; sasl2-bin/libsasl2-modules: SMTP AUTH via
# sasldb; m4 and the libraries below: the unpacked Sendmail (never installed:
# it conflicts with postfix); iproute2/util-linux: namespaces, flock.
DEB_PACKAGES += postfix m4 libwrap0 sasl2-bin libsasl2-modules iproute2 \
	python3 util-linux mount hostname apt libdb5.3 libldap-2.5-0 \
	liblockfile1 libnsl2 libsasl2-2 libssl3
