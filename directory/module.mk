# directory/: hosted domains looked up in SQL and LDAP directories through
# Postfix's own .cf files (issue 18). A library, with its cache; not yet
# wired into relaylock.conf or the daemon.

DIR_SRCS := $(wildcard directory/*.c)
DIR_LIB  := $(BUILD)/librelaylock-directory.a
# Client libraries: libpq, libmariadb (Connector/C), libldap.
DIR_CLIENT_CFLAGS := $(shell $(PKG_CONFIG) --cflags libpq libmariadb ldap 2>/dev/null \
	|| echo -I/usr/include/postgresql -I/usr/include/mariadb)
DIR_CLIENT_LIBS   := $(shell $(PKG_CONFIG) --libs libpq libmariadb ldap 2>/dev/null \
	|| echo -lpq -lmariadb -lldap -llber)
# What a program linking the directory adds after $(CORE_LIBS).
DIR_LIBS = $(DIR_LIB) $(CORE_LIBS) $(DIR_CLIENT_LIBS) -pthread

$(BUILD)/directory/%.o: ALL_CPPFLAGS += -Idirectory $(DIR_CLIENT_CFLAGS)

$(DIR_LIB): $(patsubst %.c,$(BUILD)/%.o,$(DIR_SRCS))
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

# Not in ALL_TARGETS yet: nothing installed links it, and the package's
# Build-Depends do not name the client libraries. The tests build it.
# Wiring it into the daemon adds both (debian/control: libpq-dev,
# libmariadb-dev, libldap-dev).
DEB_PACKAGES += libpq-dev libmariadb-dev libldap-dev
