# debian/package.mk: `make deb` builds the Debian package from a copy of
# the tree (dpkg-buildpackage writes beside the source), checks it with
# lintian, and leaves relaylock_*.deb in $(BUILD)/deb/.

DEB_DIR := $(BUILD)/deb
DEB_SRC := $(DEB_DIR)/relaylock-$(VERSION)

.PHONY: deb deb-build
deb:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory deb-build

deb-build:
	@rm -rf $(DEB_DIR) && mkdir -p $(DEB_SRC)
	$(Q)tar -c --exclude=./$(BUILD) --exclude=./.git --exclude=__pycache__ . \
		| tar -x -C $(DEB_SRC)
	@# A clean build with Debian's flags: nothing of this make (SANITIZE=...)
	$(Q)cd $(DEB_SRC) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES SANITIZE= WERROR=-Werror \
		dpkg-buildpackage -b -us -uc > ../dpkg-buildpackage.log 2>&1 \
		|| { tail -40 ../dpkg-buildpackage.log; exit 1; }
	$(Q)lintian --fail-on error,warning $(DEB_DIR)/relaylock_$(VERSION)_*.changes
	@rm -rf $(DEB_SRC)
	@ls $(DEB_DIR)/*.deb

DEB_PACKAGES += debhelper dpkg-dev lintian
