# stockade: a hardening OCI runtime in front of runc and crun.
#
#   make            build stockade and stockadectl into build/
#   make check      install missing Debian packages, build, run unit (with
#                   headers), layering, integration and attack tests (real
#                   runc and crun)
#   make headers    every header compiles on its own
#   make layering   scripts/deps.sh: no file cycle, no upward call, no
#                   stockadectl code in stockade
#   make attacks    the attack suite alone (tests/attacks/)
#   make workloads  real Debian workloads (nginx, python, batch, redis)
#                   plain, shipped profiles, learned profiles; a table each
#   make demo       run a busybox container under stockade and show what
#                   was hardened
#   make bench      start-latency ratios against plain runc and crun
#   make compat     runc's own integration suite (v1.1.5, from Debian's
#                   source package) through stockade, next to plain runc
#                   (scripts/compat.sh; tests/compat/differences.txt)
#   make stress     load test: 50 containers x 4 exec storms x 50 execs
#                   under runc and crun (scripts/stress.sh; knobs there)
#   make install    PREFIX=/usr/local DESTDIR= : binaries, profiles, config,
#                   man pages, bash completion
#   make deb        the Debian package, built from a copy of the tracked
#                   files, into $(B)/deb/ (stockade.deb links to it)
#   make lint       clang-format check of every C file
#   make analyze    gcc -fanalyzer over every C file of shim/, ctl/, hooks/:
#                   no warning allowed
#   make fuzz       libFuzzer harnesses (clang), each run FUZZ_SECONDS (60)
#   make fuzz-smoke each harness on its seed corpus plus a few thousand runs
#   make valgrind   every unit test, and one container's supervisor, under
#                   valgrind memcheck: no invalid access, no leak
#   make check SANITIZE=address,undefined
#                   everything built with those sanitizers, into build-san
#   make clean

# Where things are installed. DESTDIR is prepended for packaging.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/stockade
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR ?= /etc
# systemd units (the metrics timer): /lib/systemd/system for the Debian
# package (PREFIX=/usr), else under PREFIX.
SYSTEMDUNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
DESTDIR ?=

# Build output directory; everything generated goes here. With SANITIZE
# the objects differ, so they get their own directory (B=... still wins).
ifeq ($(SANITIZE),)
B := build
else
B := build-san
endif

# Compiler and the hardening flags every object gets. Extra flags can be
# added with `make EXTRA_CFLAGS=...` without losing these.
CC ?= cc
PKGS := libseccomp libcap-ng yajl libapparmor libselinux yaml-0.1
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

# `make check SANITIZE=address,undefined`: every object and program (not the
# static test helpers, which run inside containers) built with the
# sanitizers. _FORTIFY_SOURCE is dropped there: its checked string functions
# would catch overflows before ASan could report where they come from. UBSan
# aborts instead of printing and going on, so a test notices. Leak reports
# unwind slowly: libyajl has no frame pointers, and the fast unwinder would
# stop at its callbacks before reaching the caller that leaked.
ifneq ($(SANITIZE),)
HARDEN := $(filter-out -D_FORTIFY_SOURCE=2,$(HARDEN))
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_CFLAGS += $(SAN_FLAGS)
ALL_LDFLAGS += $(SAN_FLAGS)
export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0
export UBSAN_OPTIONS ?= print_stacktrace=1
endif

VERSION := 0.1.0

# Sources (docs/architecture.md draws the map). shim/lib/ is the library,
# libstockade.a: base, spec, policy, confine, record, state; no main(), never
# exits. shim/supervisor/ is the per-container supervisor (libsupervisor.a),
# which the runtime forks and the hook runs. shim/runtime/ is the `stockade`
# program (its objects but main.o also go into libruntime.a, for the unit
# tests). ctl/ is stockadectl, hooks/ the OCI hook, shim/init/ stockade-init.
LIB_SRCS := $(wildcard shim/lib/*/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
SUP_SRCS := $(wildcard shim/supervisor/*.c)
SUP_OBJS := $(SUP_SRCS:%.c=$(B)/%.o)
RT_SRCS := $(filter-out shim/runtime/main.c,$(wildcard shim/runtime/*.c))
RT_OBJS := $(RT_SRCS:%.c=$(B)/%.o)
# What the unit tests link: every part but the programs' main().
ALL_LIBS := $(B)/libctl.a $(B)/libruntime.a $(B)/libsupervisor.a $(B)/libstockade.a
CTL_SRCS := $(wildcard ctl/*.c)
CTL_OBJS := $(CTL_SRCS:%.c=$(B)/%.o)
CTL_LIB_OBJS := $(filter-out $(B)/ctl/stockadectl.o,$(CTL_OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(B)/helpers/%)
ATTACK_SRCS := $(wildcard tests/attacks/*.c)
ATTACK_BINS := $(ATTACK_SRCS:tests/attacks/%.c=$(B)/attacks/%)
GEN_HDRS := $(B)/seccomp_default.h $(B)/syscall_names.h $(B)/confine_bpf.h
# Headers: public ones (used by more than one part) in include/stockade/,
# private ones next to the part that uses them.
PUB_HDRS := $(wildcard include/stockade/*.h)
PRIV_HDRS := $(wildcard shim/lib/*/*.h shim/*/*.h ctl/*.h hooks/*.h)

.PHONY: all check unit headers layering integration workloads attacks demo bench stress compat install deb lint analyze format clean deps deps-check helpers fuzz fuzz-smoke valgrind

all: deps-check $(B)/stockade $(B)/stockadectl $(B)/stockade-hook $(B)/stockade-init

# Fail early, with the fix, when a build dependency is missing.
deps-check:
	@pkg-config --exists $(PKGS) || { echo "stockade: missing development libraries ($(PKGS)); run 'make deps' (installs the Debian packages)" >&2; exit 1; }

# Install the Debian packages that are missing (apt only).
deps:
	@scripts/install-deps.sh

$(B)/%.o: %.c $(GEN_HDRS) $(PUB_HDRS) $(PRIV_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The default seccomp allow-list is compiled in from its JSON file.
$(B)/seccomp_default.h: profiles/seccomp/default.json scripts/embed.sh
	@mkdir -p $(B)
	scripts/embed.sh seccomp_default_json $< > $@

# Every syscall name the build's libseccomp knows (seccomp_arch_syscalls).
$(B)/gen-syscall-names: scripts/gen-syscall-names.c
	@mkdir -p $(B)
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $< -lseccomp

$(B)/syscall_names.h: $(B)/gen-syscall-names
	$(B)/gen-syscall-names > $@.tmp && mv $@.tmp $@

# The supervisor's own seccomp filter, compiled by libseccomp here rather
# than at every container's start (shim/supervisor/confine.h): the rules
# (confine_rules.c) and what they need, built for the build machine, which
# is the target (the program is for the architecture it runs on).
CONFINE_GEN_SRCS := scripts/gen-confine-bpf.c shim/supervisor/confine_rules.c shim/lib/base/error.c
$(B)/gen-confine-bpf: $(CONFINE_GEN_SRCS) shim/supervisor/confine.h include/stockade/error.h include/stockade/compat.h
	@mkdir -p $(B)
	$(CC) -std=gnu11 -O2 $(WARN) -Iinclude -Ishim/supervisor -o $@ $(CONFINE_GEN_SRCS) -lseccomp

$(B)/confine_bpf.h: $(B)/gen-confine-bpf
	$(B)/gen-confine-bpf > $@.tmp && mv $@.tmp $@

$(B)/libstockade.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/libsupervisor.a: $(SUP_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/libruntime.a: $(RT_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/libctl.a: $(CTL_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/stockade: $(B)/shim/runtime/main.o $(RT_OBJS) $(B)/libsupervisor.a $(B)/libstockade.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/stockadectl: $(CTL_OBJS) $(B)/libsupervisor.a $(B)/libstockade.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The OCI hook (hooks/README.md): the supervisor's fanotify half, for
# nodes where the runtime cannot be replaced.
$(B)/stockade-hook: $(B)/hooks/stockade-hook.o $(B)/libsupervisor.a $(B)/libstockade.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# stockade-init runs inside containers (the Landlock layer): static, libc
# only, no sanitizers (their runtimes need what an image may not have).
# stockade finds it beside itself or in ../libexec/stockade/. With -g, as
# the other programs: the package's debug symbols are split off from it.
$(B)/stockade-init: shim/init/stockade-init.c include/stockade/compat.h
	@mkdir -p $(B)
	$(CC) -static -std=gnu11 -O2 -g $(WARN) -Iinclude -o $@ $<

# Unit tests reach the private headers of the part they test.
UNIT_CFLAGS := -Ishim/runtime -Ishim/supervisor
$(B)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(PRIV_HDRS) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(UNIT_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(ALL_LIBS) $(PKG_LIBS) $(CMOCKA_LIBS)

# A test build of stockade, never installed: shim/supervisor/sup.c again
# with -DSTOCKADE_TEST_HOOKS, whose supervisor, on SIGUSR2, makes a syscall
# its own filter forbids (tests/integration/t_confine.sh watches the filter
# kill it). The other objects are the production ones.
$(B)/th/shim/supervisor/sup.o: shim/supervisor/sup.c $(GEN_HDRS) $(PUB_HDRS) $(PRIV_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DSTOCKADE_TEST_HOOKS -c -o $@ $<

$(B)/stockade-testhooks: $(B)/shim/runtime/main.o $(RT_OBJS) $(B)/th/shim/supervisor/sup.o $(B)/libsupervisor.a $(B)/libstockade.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Static helper programs that run inside test containers (and subreaper,
# which the tests run on the host).
# sktiny: no libc at all, a few hundred bytes (-n: no page alignment of
# its one segment); sktrue-dyn: sktrue linked against the C library (its
# ELF interpreter is ld.so), for bench/exec.sh's dynamically linked case.
$(B)/helpers/sktiny: tests/helpers/sktiny.c
	@mkdir -p $(dir $@)
	$(CC) -static -nostdlib -Os -fno-asynchronous-unwind-tables -fno-stack-protector -Wl,-n -Wl,--build-id=none -s -o $@ $<

$(B)/helpers/sktrue-dyn: tests/helpers/sktrue.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

$(B)/helpers/%: tests/helpers/%.c $(wildcard tests/helpers/*.h)
	@mkdir -p $(dir $@)
	$(CC) -static -O2 -Wall -Wextra -Werror -Itests/helpers -o $@ $<

# The attack programs (tests/attacks/*.c): static like the helpers; the
# attack suite copies them into every container's /bin (lib.sh,
# sk_build_rootfs).
$(B)/attacks/%: tests/attacks/%.c $(wildcard tests/helpers/*.h)
	@mkdir -p $(dir $@)
	$(CC) -static -O2 -Wall -Wextra -Werror -pthread -Itests/helpers -o $@ $<

helpers: $(HELPER_BINS) $(B)/helpers/sktrue-dyn

unit: all headers $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

# Every header compiles on its own, with the flags of every object: it
# includes what it uses. Public ones (include/stockade/) and the private
# ones next to their part alike; one stamp per header in $(B)/headers/.
HDR_STAMPS := $(patsubst %.h,$(B)/headers/%.ok,$(PUB_HDRS) $(PRIV_HDRS))

headers: $(HDR_STAMPS)
	@echo "headers: $(words $(HDR_STAMPS)) headers compile on their own"

$(B)/headers/%.ok: %.h $(GEN_HDRS) $(PUB_HDRS) $(PRIV_HDRS)
	@mkdir -p $(dir $@)
	@$(CC) $(ALL_CFLAGS) -fsyntax-only -x c $< && touch $@

# The file graph of the objects (scripts/deps.sh): no cycle between files,
# no call from the library up into a program or the supervisor, and no
# stockadectl-only code in the stockade binary.
layering: all
	@scripts/deps.sh $(B)

integration: all helpers $(B)/stockade-testhooks
	@B=$(B) tests/integration/run.sh

# The attack suite (tests/attacks/a_*.sh, docs/security.md "Attack
# suite"): one case per technique class, each under runc and crun, with the
# default profile and an allow-list profile; every attack must fail in the
# container and leave its deny event. About 4 minutes.
attacks: all helpers $(ATTACK_BINS)
	@B=$(B) tests/integration/run.sh tests/attacks/a_*.sh

# Real Debian workloads (tests/workloads/run.sh): nginx, a python job, a
# shell and perl batch job and redis, from a debootstrap root with apt
# packages (cached in /var/cache/stockade-tests), each under runc and crun:
# plain, under its shipped profile, learned, and under the learned profile
# with the programs it never ran denied. Prints a table per workload.
workloads: all
	@B=$(B) tests/workloads/run.sh

# valgrind: memcheck on every unit test program (leaks that count:
# definite and indirect; forked children are not checked, the parent is),
# then tests/integration/v_supervisor.sh: one container whose `stockade
# run`, and so its supervisor, runs under valgrind. tests/valgrind.supp
# says why each suppression is there. Not with SANITIZE (ASan and valgrind
# do not mix). About 45 s.
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --show-leak-kinds=definite,indirect --child-silent-after-fork=yes --suppressions=tests/valgrind.supp

valgrind: all helpers $(UNIT_BINS)
	@if [ -n "$(SANITIZE)" ]; then echo "valgrind: not with SANITIZE=$(SANITIZE)" >&2; exit 1; fi
	@command -v valgrind >/dev/null || { echo "valgrind: not installed (make deps)" >&2; exit 1; }
	@UNIT_WRAP="$(VALGRIND)" tests/run-unit.sh $(UNIT_BINS)
	@B=$(B) tests/integration/run.sh tests/integration/v_supervisor.sh

# Every suite runs even when one fails, so one report shows everything.
# fuzz-smoke costs about 15 s from a clean tree (the clang build included);
# valgrind about 45 s (skipped with SANITIZE).
check: deps
	@u=0; d=0; i=0; f=0; v=0; a=0; \
	$(MAKE) --no-print-directory unit || u=1; \
	$(MAKE) --no-print-directory layering || d=1; \
	$(MAKE) --no-print-directory fuzz-smoke || f=1; \
	if [ -z "$(SANITIZE)" ]; then $(MAKE) --no-print-directory valgrind || v=1; fi; \
	$(MAKE) --no-print-directory integration || i=1; \
	$(MAKE) --no-print-directory attacks || a=1; \
	if [ $$u = 1 ] || [ $$d = 1 ] || [ $$i = 1 ] || [ $$f = 1 ] || [ $$v = 1 ] || [ $$a = 1 ]; then echo "check: failed (unit: $$u, layering: $$d, integration: $$i, fuzz: $$f, valgrind: $$v, attacks: $$a)"; exit 1; fi

demo: deps
	@$(MAKE) --no-print-directory all helpers
	@scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all helpers
	@bench/run.sh && bench/exec.sh

stress: deps
	@$(MAKE) --no-print-directory all helpers
	@B=$(B) scripts/stress.sh

# runc's own bats suite, three runs (plain runc, complain, enforce with
# tests/compat/permissive.json); every test plain runc passes must pass
# through stockade or be listed, with its rule, in tests/compat/differences.txt.
# About 35 minutes here; not part of check (CI runs it on its own).
compat: deps
	@$(MAKE) --no-print-directory all
	@B=$(B) scripts/compat.sh

# Binaries (stockade, stockadectl, stockade-hook) and the mode symlinks, stockade-init in $(LIBEXECDIR),
# profiles, the config (kept when present),
# the manual pages (packaging/man/: man5, man8; the mode programs' pages are
# links to stockade(8), which describes them), stockadectl's bash
# completion (packaging/bash-completion/), the logrotate snippet for the
# event file (packaging/logrotate/) and the metrics timer, not enabled
# (packaging/systemd/; docs/operations.md, "Metrics").
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/stockade/profiles/seccomp $(DESTDIR)/var/log/stockade
	install -m 0755 $(B)/stockade $(B)/stockadectl $(B)/stockade-hook $(DESTDIR)$(BINDIR)/
	install -d $(DESTDIR)$(LIBEXECDIR)
	install -m 0755 $(B)/stockade-init $(DESTDIR)$(LIBEXECDIR)/
	ln -sf stockade $(DESTDIR)$(BINDIR)/stockade-complain
	ln -sf stockade $(DESTDIR)$(BINDIR)/stockade-off
	ln -sf stockade $(DESTDIR)$(BINDIR)/stockade-learn
	install -m 0644 profiles/*.json $(DESTDIR)$(SYSCONFDIR)/stockade/profiles/
	install -m 0644 profiles/seccomp/*.json $(DESTDIR)$(SYSCONFDIR)/stockade/profiles/seccomp/
	test -e $(DESTDIR)$(SYSCONFDIR)/stockade/config.json || \
	  install -m 0644 packaging/config.json $(DESTDIR)$(SYSCONFDIR)/stockade/config.json
	install -d $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR)
	install -m 0644 packaging/man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 packaging/man/*.8 $(DESTDIR)$(MANDIR)/man8/
	ln -sf stockade.8 $(DESTDIR)$(MANDIR)/man8/stockade-complain.8
	ln -sf stockade.8 $(DESTDIR)$(MANDIR)/man8/stockade-off.8
	ln -sf stockade.8 $(DESTDIR)$(MANDIR)/man8/stockade-learn.8
	install -m 0644 packaging/bash-completion/stockadectl $(DESTDIR)$(BASHCOMPDIR)/stockadectl
	install -d $(DESTDIR)$(SYSCONFDIR)/logrotate.d $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0644 packaging/logrotate/stockade $(DESTDIR)$(SYSCONFDIR)/logrotate.d/stockade
	sed 's|@BINDIR@|$(BINDIR)|g' packaging/systemd/stockade-metrics.service >$(DESTDIR)$(SYSTEMDUNITDIR)/stockade-metrics.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/stockade-metrics.service
	install -m 0644 packaging/systemd/stockade-metrics.timer $(DESTDIR)$(SYSTEMDUNITDIR)/stockade-metrics.timer

# The Debian package (packaging/debian/): scripts/build-deb.sh exports the
# files git tracks to $(B)/deb/stockade-$(VERSION)/, copies
# packaging/debian/ to debian/ there and runs dpkg-buildpackage -us -uc -b;
# the .deb lands in $(B)/deb/ and $(B)/deb/stockade.deb points at it. It is
# built again only when a tracked file changed (outside git: once; remove
# $(B)/deb to rebuild). Secondary expansion runs git only when the package
# is asked for.
DEB := $(B)/deb/stockade.deb
deb: $(DEB)
.SECONDEXPANSION:
$(DEB): $$(wildcard $$(shell git ls-files 2>/dev/null))
	@scripts/build-deb.sh $(B)/deb

# Fuzzing: libFuzzer harnesses in fuzz/, one per input stockade parses
# (config.json, profiles, the runtime's listener message, recordings) plus
# the event encoder. The library is compiled again with clang and the
# sanitizers into $(B)/fuzz/, apart from the normal gcc objects. Seeds are in
# fuzz/corpus/<harness>/; new inputs libFuzzer finds go to $(B)/fuzz/corpus/
# so the tree is not written to. A crash leaves $(B)/fuzz/crash-* and fails.
FUZZ_CC ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_RUNS ?= 2000
FUZZ_NAMES := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_NAMES:%=$(B)/fuzz/%)
# Library objects get the coverage instrumentation (fuzzer-no-link); only
# the harnesses link libFuzzer's main.
FUZZ_SAN := address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=gnu11 -O1 -g -Wall -Wno-unused-parameter -Iinclude -I$(B) $(PKG_CFLAGS) \
              -DSTOCKADE_VERSION='"$(VERSION)"' -DSYSCONFDIR='"$(SYSCONFDIR)"' \
              -DFUZZ_PROFILE='"$(CURDIR)/profiles/default.json"'
FUZZ_OBJS := $(LIB_SRCS:%.c=$(B)/fuzz/obj/%.o) $(SUP_SRCS:%.c=$(B)/fuzz/obj/%.o) $(RT_SRCS:%.c=$(B)/fuzz/obj/%.o)

$(B)/fuzz/obj/%.o: %.c $(GEN_HDRS) $(PUB_HDRS) $(PRIV_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c -o $@ $<

$(B)/fuzz/libstockade.a: $(FUZZ_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/fuzz/fuzz_%: fuzz/fuzz_%.c $(B)/fuzz/libstockade.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $< $(B)/fuzz/libstockade.a $(PKG_LIBS)

# run one harness: $(call fuzz_run,name,libFuzzer limit); prints its count.
fuzz_run = mkdir -p $(B)/fuzz/corpus/$(1) && \
	$(B)/fuzz/$(1) $(2) -artifact_prefix=$(B)/fuzz/ -print_final_stats=1 \
	  $(B)/fuzz/corpus/$(1) fuzz/corpus/$(1) >$(B)/fuzz/$(1).log 2>&1 \
	  && echo "fuzz: $(1): $$(sed -n 's/^stat::number_of_executed_units: *//p' $(B)/fuzz/$(1).log) runs, no crash" \
	  || { tail -n 40 $(B)/fuzz/$(1).log; echo "fuzz: $(1): FAILED (log $(B)/fuzz/$(1).log)"; exit 1; }

fuzz: deps-check $(FUZZ_BINS)
	@$(foreach f,$(FUZZ_NAMES),$(call fuzz_run,$(f),-max_total_time=$(FUZZ_SECONDS)) &&) true

fuzz-smoke: deps-check $(FUZZ_BINS)
	@$(foreach f,$(FUZZ_NAMES),$(call fuzz_run,$(f),-runs=$(FUZZ_SMOKE_RUNS) -max_total_time=10) &&) true

C_FILES = $(wildcard shim/*/*.c shim/lib/*/*.c ctl/*.c hooks/*.c include/stockade/*.h $(PRIV_HDRS) tests/unit/*.c tests/helpers/*.[ch] tests/attacks/*.c fuzz/*.c)

lint:
	@clang-format --dry-run --Werror $(C_FILES) && echo "lint: $(words $(C_FILES)) files formatted"

# gcc's static analyzer over every C file of the library and the programs;
# any warning fails. A false positive is suppressed in the code, around the
# spot, with a one-line reason. -O0: the analyzer then sees the code as
# written (inlined cleanup functions give false "uninitialized" reports at
# -O2) and it is faster; _FORTIFY_SOURCE needs optimisation, so it is left
# out. Each file leaves a stamp, so a second run redoes only what changed.
ANALYZE_CC ?= gcc
ANALYZE_SRCS := $(wildcard shim/*/*.c shim/lib/*/*.c ctl/*.c hooks/*.c)
ANALYZE_FLAGS = -std=gnu11 $(WARN) -O0 -fanalyzer -Iinclude -I$(B) $(PKG_CFLAGS) \
                -DSTOCKADE_VERSION='"$(VERSION)"' -DSYSCONFDIR='"$(SYSCONFDIR)"'
analyze: $(ANALYZE_SRCS:%.c=$(B)/analyze/%.ok)
	@echo "analyze: $(words $(ANALYZE_SRCS)) files, no warnings"

$(B)/analyze/%.ok: %.c $(GEN_HDRS) $(wildcard include/stockade/*.h shim/*/*.h shim/lib/*/*.h ctl/*.h hooks/*.h)
	@mkdir -p $(dir $@)
	@echo "analyze $<"
	@$(ANALYZE_CC) $(ANALYZE_FLAGS) -c -o /dev/null $< && touch $@

format:
	clang-format -i $(C_FILES)

clean:
	rm -rf $(B)
