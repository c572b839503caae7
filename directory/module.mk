# directory/: hosted domains looked up in SQL and LDAP directories through
# Postfix's own .cf files (issue 18). A library, with its cache and the
# registry the daemon's sources share (dir_registry.c).

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

# The daemon links it through the sources (sources/module.mk); the
# package builds with libpq-dev, libmariadb-dev, libldap-dev.
DEB_PACKAGES += libpq-dev libmariadb-dev libldap-dev
