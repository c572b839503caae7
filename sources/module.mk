# sources/: hosted domains read from an MTA's own configuration (issue
# 17). A library, loaded outside the decision path, matched in memory;
# not yet wired into relaylock.conf.

SOURCES_SRCS := $(wildcard sources/*.c)
SOURCES_LIB  := $(BUILD)/librelaylock-sources.a
# Table formats Postfix writes: Berkeley DB (hash, btree), LMDB, tinycdb;
# PCRE2 for pcre tables (POSIX regex is libc's).
SOURCES_LIBS := $(SOURCES_LIB) -ldb -llmdb -lcdb \
	$(shell $(PKG_CONFIG) --libs libpcre2-8 2>/dev/null || echo -lpcre2-8)

$(BUILD)/sources/%.o: ALL_CPPFLAGS += -Isources

$(SOURCES_LIB): $(patsubst %.c,$(BUILD)/%.o,$(SOURCES_SRCS))
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

# Not in ALL_TARGETS yet: the daemon does not link it, so the package
# build (make all) needs none of its -dev packages. Wiring it in means
# adding them to debian/control's Build-Depends. make check builds it.
DEB_PACKAGES += libdb5.3-dev liblmdb-dev libcdb-dev libpcre2-dev
