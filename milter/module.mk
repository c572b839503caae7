# milter/: the policy core (pure, no I/O), the config loader, the daemon.

# The core and the loader form a library that the daemon, the self-test
# probe, the tests and the benchmarks link.
CORE_SRCS   := milter/address.c milter/domain_set.c milter/net_set.c \
	milter/policy.c milter/idna.c milter/trace.c
CONFIG_SRCS := milter/config.c milter/config_text.c milter/public_suffix.c \
	milter/listen_addr.c
CORE_LIB    := $(BUILD)/librelaylock.a

# The core maps IDNs with libidn2. Every link line in the tree names the
# core's libraries as $(CONFUSE_LIBS), so libidn2 joins that list.
IDN2_CFLAGS := $(shell $(PKG_CONFIG) --cflags libidn2 2>/dev/null)
IDN2_LIBS   := $(shell $(PKG_CONFIG) --libs libidn2 2>/dev/null || echo -lidn2)
ALL_CPPFLAGS += $(IDN2_CFLAGS)
CONFUSE_LIBS += $(IDN2_LIBS)
DEB_PACKAGES += libidn2-dev

# The loader refuses public suffixes with libpsl and Debian's list.
PSL_CFLAGS := $(shell $(PKG_CONFIG) --cflags libpsl 2>/dev/null)
PSL_LIBS   := $(shell $(PKG_CONFIG) --libs libpsl 2>/dev/null || echo -lpsl)
ALL_CPPFLAGS += $(PSL_CFLAGS)
CONFUSE_LIBS += $(PSL_LIBS)
DEB_PACKAGES += libpsl-dev publicsuffix
CORE_LIBS   := $(CORE_LIB) $(CONFUSE_LIBS)

# The daemon's /metrics endpoint.
MHD_CFLAGS := $(shell $(PKG_CONFIG) --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS   := $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
ALL_CPPFLAGS += $(MHD_CFLAGS)
DEB_PACKAGES += libmicrohttpd-dev

# Every other .c file in milter/ belongs to the daemon.
DAEMON_SRCS := $(filter-out $(CORE_SRCS) $(CONFIG_SRCS),$(wildcard milter/*.c))
DAEMON      := $(BUILD)/relaylock

$(CORE_LIB): $(patsubst %.c,$(BUILD)/%.o,$(CORE_SRCS) $(CONFIG_SRCS))
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

# The daemon opens the sources of hosted_domains_from with sources/
# (sources/module.mk, included after this file: hence the literal name).
$(patsubst %.c,$(BUILD)/%.o,$(DAEMON_SRCS)): ALL_CPPFLAGS += -Isources -Idirectory
$(DAEMON): $(patsubst %.c,$(BUILD)/%.o,$(DAEMON_SRCS)) $(CORE_LIB) \
		$(BUILD)/librelaylock-sources.a
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) \
		$(SOURCES_LIBS) $(CORE_LIBS) $(MILTER_LIBS) $(MHD_LIBS)

ALL_TARGETS += $(CORE_LIB) $(DAEMON)
