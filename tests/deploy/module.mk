# tests/deploy/: the Debian package under a real systemd, in containers
# booted from cached Debian 12 roots (built once, outside the checkout),
# in front of Debian's stock Postfix and Sendmail. See tests/deploy/run.py.
#   make check-deploy                  both MTAs
#   make check-deploy DEPLOY_MTA=postfix

DEPLOY_MTA   ?= postfix,sendmail
DEPLOY_CACHE ?= /var/cache/relaylock-deploy

.PHONY: check-deploy
check-deploy: deb-build
	@echo "== deploy: the .deb under systemd with Debian's postfix and sendmail"
	@python3 tests/deploy/run.py --deb $(DEB_DIR)/relaylock_$(VERSION)_$$(dpkg --print-architecture).deb \
		--mta $(DEPLOY_MTA) --cache $(DEPLOY_CACHE) --workdir $(SCRATCH)/deploy

CHECK_TARGETS += check-deploy
DEB_PACKAGES  += debootstrap systemd-container python3
