# tests/deploy/: the Debian package under a real systemd, in containers
# booted from cached Debian 12 roots (built once, outside the checkout),
# in front of Debian's stock Postfix and Sendmail. See tests/deploy/run.py.
#   make check-deploy                  both MTAs
#   make check-deploy DEPLOY_MTA=postfix

DEPLOY_MTA   ?= postfix,sendmail
DEPLOY_CACHE ?= /var/cache/relaylock-deploy

.PHONY: check-deploy
# The journald burst drives the milter socket with tests/load's client,
# built without this make's SANITIZE: the container has no sanitizer
# runtime (as deb-build, its own build directory).
DEPLOY_MILTER_LOAD := $(BUILD)/plain/tests/load/milter_load
$(DEPLOY_MILTER_LOAD): FORCE
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/plain SANITIZE= $@
check-deploy: deb-build $(DEPLOY_MILTER_LOAD)
	@echo "== deploy: the .deb under systemd with Debian's postfix and sendmail"
	@python3 tests/deploy/run.py --deb $(DEB_DIR)/relaylock_$(VERSION)_$$(dpkg --print-architecture).deb \
		--mta $(DEPLOY_MTA) --cache $(DEPLOY_CACHE) --workdir $(SCRATCH)/deploy \
		--milter-load $(DEPLOY_MILTER_LOAD)

CHECK_TARGETS += check-deploy
DEB_PACKAGES  += debootstrap systemd-container python3
