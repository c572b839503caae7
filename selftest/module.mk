# selftest/: relaylock-selftest, the external relay probe (plain SMTP
# client, OpenSSL STARTTLS; links the config loader, never libmilter).

SELFTEST_SRCS := selftest/smtp_reply.c selftest/cases.c selftest/smtp_conn.c \
	selftest/probe.c selftest/output.c selftest/openmetrics.c selftest/catch.c selftest/conf.c selftest/netns.c \
	selftest/mx.c selftest/target.c selftest/main.c
SELFTEST      := $(BUILD)/relaylock-selftest
OPENSSL_CFLAGS := $(shell $(PKG_CONFIG) --cflags openssl 2>/dev/null)
OPENSSL_LIBS   := $(shell $(PKG_CONFIG) --libs openssl 2>/dev/null || echo -lssl -lcrypto)

$(BUILD)/selftest/%.o: ALL_CPPFLAGS += -Iselftest -Isources $(OPENSSL_CFLAGS)

# hosted_domains_from through sources/ (sources/module.mk, included after
# this file: hence the literal name).
$(SELFTEST): $(patsubst %.c,$(BUILD)/%.o,$(SELFTEST_SRCS)) $(CORE_LIB) \
		$(BUILD)/librelaylock-sources.a
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) \
		$(SOURCES_LIBS) $(CORE_LIBS) $(OPENSSL_LIBS) -lresolv -pthread

ALL_TARGETS  += $(SELFTEST)
# libresolv (--mx) is in libc6-dev.
DEB_PACKAGES += libssl-dev libc6-dev
