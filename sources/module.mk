# sources/: hosted domains read from an MTA's own configuration (issue
# 17). A library, loaded outside the decision path, matched in memory.
# Directory tables (pgsql, mysql, ldap) go through directory/'s registry,
# so whatever links the sources links the directory library too.

SOURCES_SRCS := $(wildcard sources/*.c)
SOURCES_LIB  := $(BUILD)/librelaylock-sources.a
# Table formats Postfix writes: Berkeley DB (hash, btree), LMDB, tinycdb;
# PCRE2 for pcre tables (POSIX regex is libc's).
SOURCES_LIBS := $(SOURCES_LIB) $(DIR_LIB) -ldb -llmdb -lcdb \
	$(shell $(PKG_CONFIG) --libs libpcre2-8 2>/dev/null || echo -lpcre2-8) \
	$(DIR_CLIENT_LIBS) -pthread

$(BUILD)/sources/%.o: ALL_CPPFLAGS += -Isources -Idirectory

# What links the sources links the directory library too: a newer one
# makes the sources library (and so whatever links it) newer.
$(SOURCES_LIB): $(patsubst %.c,$(BUILD)/%.o,$(SOURCES_SRCS)) $(DIR_LIB)
	@rm -f $@
	$(Q)$(AR) rcs $@ $(filter %.o,$^)

# Not in ALL_TARGETS yet: the daemon does not link it, so the package
# build (make all) needs none of its -dev packages. Wiring it in means
# adding them to debian/control's Build-Depends. make check builds it.
DEB_PACKAGES += libdb5.3-dev liblmdb-dev libcdb-dev libpcre2-dev
