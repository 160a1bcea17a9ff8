# stockade: a hardening OCI runtime in front of runc and crun.
#
#   make            build stockade and stockadectl into build/
#   make check      install missing Debian packages, build, run unit and
#                   integration tests (real runc and crun)
#   make demo       run a busybox container under stockade and show what
#                   was hardened
#   make bench      start-latency ratios against plain runc and crun
#   make install    PREFIX=/usr/local DESTDIR= : binaries, profiles, config
#   make lint       clang-format check of every C file
#   make clean

# Where things are installed. DESTDIR is prepended for packaging.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
DESTDIR ?=

# Build output directory; everything generated goes here.
B := build

# Compiler and the hardening flags every object gets. Extra flags can be
# added with `make EXTRA_CFLAGS=...` without losing these.
CC ?= cc
PKGS := libseccomp libcap-ng yajl libapparmor libselinux
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)
WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) $(HARDEN) $(CFLAGS) $(EXTRA_CFLAGS) -Iinclude -I$(B) $(PKG_CFLAGS) \
             -DSTOCKADE_VERSION='"$(VERSION)"' -DSYSCONFDIR='"$(SYSCONFDIR)"'
LDHARDEN := -pie -Wl,-z,relro,-z,now -Wl,--as-needed
ALL_LDFLAGS = $(LDHARDEN) $(LDFLAGS) $(EXTRA_LDFLAGS)

VERSION := 0.1.0

# Sources: every shim/*.c except main.c goes into a static library that
# both programs and every unit test link against.
LIB_SRCS := $(filter-out shim/main.c,$(wildcard shim/*.c shim/supervisor/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
CTL_SRCS := $(wildcard ctl/*.c)
CTL_OBJS := $(CTL_SRCS:%.c=$(B)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(B)/helpers/%)
GEN_HDRS := $(B)/seccomp_default.h

.PHONY: all check unit integration demo bench install lint format clean deps deps-check helpers

all: deps-check $(B)/stockade $(B)/stockadectl

# Fail early, with the fix, when a build dependency is missing.
deps-check:
	@pkg-config --exists $(PKGS) || { echo "stockade: missing development libraries ($(PKGS)); run 'make deps' (installs the Debian packages)" >&2; exit 1; }

# Install the Debian packages that are missing (apt only).
deps:
	@scripts/install-deps.sh

$(B)/%.o: %.c $(GEN_HDRS) $(wildcard include/stockade/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The default seccomp allow-list is compiled in from its JSON file.
$(B)/seccomp_default.h: profiles/seccomp/default.json scripts/embed.sh
	@mkdir -p $(B)
	scripts/embed.sh seccomp_default_json $< > $@

$(B)/libstockade.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/stockade: $(B)/shim/main.o $(B)/libstockade.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/stockadectl: $(CTL_OBJS) $(B)/libstockade.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libstockade.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(B)/libstockade.a $(PKG_LIBS) $(CMOCKA_LIBS)

# Static helper programs that run inside test containers.
$(B)/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -static -O2 -Wall -Wextra -Werror -o $@ $<

helpers: $(HELPER_BINS)

unit: all $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

integration: all helpers
	@tests/integration/run.sh

# Both suites run even when the first fails, so one report shows everything.
check: deps
	@u=0; i=0; \
	$(MAKE) --no-print-directory unit || u=1; \
	$(MAKE) --no-print-directory integration || i=1; \
	if [ $$u = 1 ] || [ $$i = 1 ]; then echo "check: failed (unit: $$u, integration: $$i)"; exit 1; fi

demo: deps
	@$(MAKE) --no-print-directory all helpers
	@scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all helpers
	@bench/run.sh && bench/exec.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/stockade/profiles/seccomp $(DESTDIR)/var/log/stockade
	install -m 0755 $(B)/stockade $(B)/stockadectl $(DESTDIR)$(BINDIR)/
	ln -sf stockade $(DESTDIR)$(BINDIR)/stockade-complain
	ln -sf stockade $(DESTDIR)$(BINDIR)/stockade-off
	ln -sf stockade $(DESTDIR)$(BINDIR)/stockade-learn
	install -m 0644 profiles/*.json $(DESTDIR)$(SYSCONFDIR)/stockade/profiles/
	install -m 0644 profiles/seccomp/*.json $(DESTDIR)$(SYSCONFDIR)/stockade/profiles/seccomp/
	test -e $(DESTDIR)$(SYSCONFDIR)/stockade/config.json || \
	  install -m 0644 packaging/config.json $(DESTDIR)$(SYSCONFDIR)/stockade/config.json

C_FILES = $(wildcard shim/*.c shim/*/*.c ctl/*.c hooks/*.c include/stockade/*.h tests/unit/*.c tests/helpers/*.c)

lint:
	@clang-format --dry-run --Werror $(C_FILES) && echo "lint: $(words $(C_FILES)) files formatted"

format:
	clang-format -i $(C_FILES)

clean:
	rm -rf $(B)
