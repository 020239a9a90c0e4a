# SPDX-License-Identifier: GPL-2.0
#
# netpolicy: netpolicy.ko (kernel/), npmgr (userspace/), their tests.
#
#   make demo        the whole thing end to end in a VM (installs what it needs)
#   make check       every test (installs what it needs); what CI runs
#   make             build the module and npmgr
#   make bench       benchmarks, printed as ratios measured in one run
#
# The module is built against KDIR, for KVER: by default the running
# kernel's headers when they exist, else the distribution's default kernel
# (what linux-image-amd64 depends on), else the newest with headers; the
# test VM boots the same one (tools/testing/kver). KVER=... picks another.

VERSION := 0.2
KVER ?= $(shell tools/testing/kver)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
DESTDIR ?=

KSRCS := $(filter-out %.mod.c,$(wildcard kernel/*.c)) $(wildcard kernel/*.h) \
	 include/uapi/linux/netpolicy.h
# npmgr: one source list for the tool, its unit tests and its fuzzer (see
# "Source map" in Documentation/netpolicy.rst). main.c adds the command line.
NPMGR_SRC := $(addprefix userspace/,model.c parse.c check.c print.c graph.c explain.c \
	util.c ipc.c load.c reload.c sha256.c realize/plan.c realize/apply.c realize/link.c \
	realize/fdb.c realize/cak.c realize/mka.c realize/ctrl.c \
	realize/macsec.c realize/sessions.c realize/supervise.c \
	xen/xenstore.c xen/watch.c xen/hotplug.c pool/etcd.c pool/pool.c pool/agent.c pool/status.c \
	pool/place.c pool/share.c)
NPMGR_TESTS := parser_test plan_test mka_test xen_test etcd_test graph_test place_test \
	share_test msgw_test reload_test

CC ?= cc
NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 libnl-route-3.0 json-c libcurl 2>/dev/null)
# libcurl is not linked: etcd.c opens it when the pool is first used
NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 libnl-route-3.0 json-c 2>/dev/null) \
	   $(shell pkg-config --libs xenstore 2>/dev/null || echo -lxenstore)
# npmgr-virtwatch (libvirt's C API, expat for its domain XML) and the qemu
# hook (expat, not libvirt) are programs of their own: npmgr itself links
# neither
VIRT_CFLAGS := $(shell pkg-config --cflags libvirt expat 2>/dev/null)
VIRT_LIBS := $(shell pkg-config --libs libvirt expat 2>/dev/null)
XML_LIBS := $(shell pkg-config --libs expat 2>/dev/null)
UCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wformat=2 \
	   -isystem include/uapi $(NL_CFLAGS) $(VIRT_CFLAGS)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.PHONY: parse-baseline all module module-others module-debug npmgr deps clean install install-npmgr install-xen install-libvirt dkms-install check \
	deb deb-check \
	check-build style sparse test-userspace pool-test kunit selftest xen-selftest xen-migrate demo bench fuzz dkms-check \
	debug-check debug-check-full

all: module npmgr

deps:
	@tools/testing/install-deps

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

# The module for every other supported kernel installed (tools/testing/kver
# --others: 6.1 and 6.12), each built in its own copy of the sources,
# build/kmod/KVER, so that the default build is left alone. KFLAGS adds
# make arguments (sparse: C=2).
OTHER_KVERS = $(shell tools/testing/kver --others)
KFLAGS ?=
module-others:
	@set -e; for k in $(OTHER_KVERS); do \
		d=build/kmod/$$k; mkdir -p $$d/kernel $$d/include/uapi/linux; \
		cp -u Kbuild $$d/; cp -u kernel/Kbuild kernel/Kconfig kernel/*.[ch] $$d/kernel/; \
		rm -f $$d/kernel/*.mod.c; \
		cp -u include/uapi/linux/netpolicy.h $$d/include/uapi/linux/; \
		echo "module: $$k"; \
		$(MAKE) -s -C /lib/modules/$$k/build M=$(CURDIR)/$$d W=1 $(KFLAGS) modules; \
	done

module-debug:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 KCFLAGS=-DDEBUG modules

npmgr: userspace/npmgr userspace/npmgr-virtwatch userspace/npmgr-libvirt-hook

# Each flavour compiles the list into its own objects and archive under
# build/FLAVOUR/; npmgr, the tests and the fuzzer link that archive, so they
# run exactly the code npmgr runs. $(call npmgr_flavour,NAME,CC,CFLAGS)
define npmgr_flavour
build/$(1)/%.o: userspace/%.c
	@mkdir -p $$(@D)
	$(2) $(3) -MMD -MP -c -o $$@ $$<
build/$(1)/libnpmgr.a: $$(patsubst userspace/%.c,build/$(1)/%.o,$$(NPMGR_SRC))
	@rm -f $$@
	ar rcs $$@ $$^
-include $$(wildcard build/$(1)/*.d build/$(1)/*/*.d)
endef
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -isystem include/uapi \
	$(NL_CFLAGS) $(VIRT_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all
# the shipped build also takes the distribution's flags (dpkg-buildflags:
# hardening, fortify), empty elsewhere
$(eval $(call npmgr_flavour,plain,$(CC),$(UCFLAGS) $(CPPFLAGS) $(CFLAGS)))
$(eval $(call npmgr_flavour,asan,$(CC),$(UCFLAGS) -O1 $(SAN)))
$(eval $(call npmgr_flavour,fuzz,clang,$(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link))

userspace/npmgr: build/plain/main.o build/plain/libnpmgr.a
	$(CC) $(UCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(NL_LIBS)
# `npmgr virtwatch` runs it from npmgr's own directory
VIRT_OBJS := libvirt/virtwatch.o libvirt/describe.o libvirt/domxml.o
userspace/npmgr-virtwatch: $(addprefix build/plain/,$(VIRT_OBJS)) build/plain/libnpmgr.a
	$(CC) $(UCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(NL_LIBS) $(VIRT_LIBS)
userspace/npmgr-virtwatch-asan: $(addprefix build/asan/,$(VIRT_OBJS)) build/asan/libnpmgr.a
	$(CC) $(UCFLAGS) -O1 $(SAN) -o $@ $^ $(NL_LIBS) $(VIRT_LIBS)
# and libvirt's qemu hook, without libvirt
HOOK_OBJS := libvirt/hook_main.o libvirt/hook.o libvirt/describe.o libvirt/domxml.o
userspace/npmgr-libvirt-hook: $(addprefix build/plain/,$(HOOK_OBJS)) build/plain/libnpmgr.a
	$(CC) $(UCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(NL_LIBS) $(XML_LIBS)
userspace/npmgr-libvirt-hook-asan: $(addprefix build/asan/,$(HOOK_OBJS)) build/asan/libnpmgr.a
	$(CC) $(UCFLAGS) -O1 $(SAN) -o $@ $^ $(NL_LIBS) $(XML_LIBS)
# npmgr under ASan/UBSan: the realization suite runs it a second time
userspace/npmgr-asan: build/asan/main.o build/asan/libnpmgr.a
	$(CC) $(UCFLAGS) -O1 $(SAN) -o $@ $^ $(NL_LIBS)

# Userspace unit tests, plain and under ASan/UBSan.
TEST_BINS := $(addprefix userspace/tests/,$(NPMGR_TESTS))
$(TEST_BINS): userspace/tests/%: build/plain/tests/%.o build/plain/libnpmgr.a
	$(CC) $(UCFLAGS) -o $@ $^ $(NL_LIBS)
$(addsuffix -asan,$(TEST_BINS)): userspace/tests/%-asan: build/asan/tests/%.o \
		build/asan/libnpmgr.a
	$(CC) $(UCFLAGS) -O1 $(SAN) -o $@ $^ $(NL_LIBS)

# and those of the libvirt programs' domain XML reader, with expat
VIRT_TESTS := domxml_test
VIRT_TEST_BINS := $(addprefix userspace/tests/,$(VIRT_TESTS))
$(VIRT_TEST_BINS): userspace/tests/%: build/plain/tests/%.o build/plain/libvirt/domxml.o \
		build/plain/libnpmgr.a
	$(CC) $(UCFLAGS) -o $@ $^ $(NL_LIBS) $(XML_LIBS)
$(addsuffix -asan,$(VIRT_TEST_BINS)): userspace/tests/%-asan: build/asan/tests/%.o \
		build/asan/libvirt/domxml.o build/asan/libnpmgr.a
	$(CC) $(UCFLAGS) -O1 $(SAN) -o $@ $^ $(NL_LIBS) $(XML_LIBS)

test-userspace: $(TEST_BINS) $(addsuffix -asan,$(TEST_BINS)) $(VIRT_TEST_BINS) \
		$(addsuffix -asan,$(VIRT_TEST_BINS))
	@for t in $(NPMGR_TESTS) $(VIRT_TESTS); do \
		echo "== $$t"; userspace/tests/$$t || exit 1; \
		echo "== $$t (ASan/UBSan)"; \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
			userspace/tests/$$t-asan || exit 1; \
	done
	@echo "== completion_test"; userspace/tests/completion_test.sh
	@echo "== units_test"; userspace/tests/units_test.sh

# npmgr pool against real etcd clusters the script starts (no kernel: runs
# here), with npmgr and again with npmgr under ASan/UBSan
WATCHCHECK := tools/testing/pool/watchcheck
$(WATCHCHECK): tools/testing/pool/watchcheck.c build/asan/libnpmgr.a
	$(CC) $(UCFLAGS) -O1 $(SAN) -o $@ $^ $(NL_LIBS)
POOLBENCH := tools/testing/pool/poolbench
$(POOLBENCH): tools/testing/pool/poolbench.c build/plain/libnpmgr.a
	$(CC) $(UCFLAGS) -O2 -o $@ $^ $(NL_LIBS)
pool-test: userspace/npmgr userspace/npmgr-asan $(WATCHCHECK)
	tools/testing/pool/pool.sh
	NPMGR=$(CURDIR)/userspace/npmgr-asan ASAN_OPTIONS=detect_leaks=1 tools/testing/pool/pool.sh

# libFuzzer harnesses: the policy parser; the texts key agreement reads
# (fuzz_mka.c); etcd's answers (fuzz_etcd.c); libvirt's domain XML
# (fuzz_domxml.c); a reload's diff of two texts (fuzz_reload.c). Each runs
# for a bounded time.
FUZZ_SECONDS ?= 60
FUZZ_MKA_SECONDS ?= 30
FUZZ_ETCD_SECONDS ?= 20
FUZZ_DOMXML_SECONDS ?= 20
FUZZ_RELOAD_SECONDS ?= 20
userspace/fuzz/fuzz_parser: build/fuzz/fuzz/fuzz_parser.o build/fuzz/libnpmgr.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^
userspace/fuzz/fuzz_mka: build/fuzz/fuzz/fuzz_mka.o build/fuzz/libnpmgr.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^
userspace/fuzz/fuzz_etcd: build/fuzz/fuzz/fuzz_etcd.o build/fuzz/libnpmgr.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(NL_LIBS)
userspace/fuzz/fuzz_reload: build/fuzz/fuzz/fuzz_reload.o build/fuzz/libnpmgr.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(NL_LIBS)
userspace/fuzz/fuzz_domxml: build/fuzz/fuzz/fuzz_domxml.o build/fuzz/libvirt/domxml.o \
		build/fuzz/libnpmgr.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(XML_LIBS)
fuzz: userspace/fuzz/fuzz_parser userspace/fuzz/fuzz_mka userspace/fuzz/fuzz_etcd \
		userspace/fuzz/fuzz_domxml userspace/fuzz/fuzz_reload
	mkdir -p .cache/fuzz-corpus .cache/fuzz-mka-corpus
	userspace/fuzz/fuzz_parser -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-dict=userspace/fuzz/policy.dict .cache/fuzz-corpus userspace/fuzz/seeds
	userspace/fuzz/fuzz_mka -max_total_time=$(FUZZ_MKA_SECONDS) -max_len=1024 \
		.cache/fuzz-mka-corpus userspace/fuzz/mka-seeds
	mkdir -p .cache/fuzz-etcd-corpus
	userspace/fuzz/fuzz_etcd -max_total_time=$(FUZZ_ETCD_SECONDS) -max_len=4096 \
		.cache/fuzz-etcd-corpus userspace/fuzz/etcd-seeds
	mkdir -p .cache/fuzz-reload-corpus
	userspace/fuzz/fuzz_reload -max_total_time=$(FUZZ_RELOAD_SECONDS) -max_len=4096 \
		-dict=userspace/fuzz/policy.dict .cache/fuzz-reload-corpus userspace/fuzz/reload-seeds
	mkdir -p .cache/fuzz-domxml-corpus
	userspace/fuzz/fuzz_domxml -max_total_time=$(FUZZ_DOMXML_SECONDS) -max_len=4096 \
		.cache/fuzz-domxml-corpus userspace/fuzz/domxml-seeds

style:
	@ksrc=$$(tools/testing/ksrc) && \
	out=$$($$ksrc/scripts/checkpatch.pl --strict --no-tree --terse -f $(KSRCS) | \
		grep -v '^total: 0 errors, 0 warnings, 0 checks'); \
	if [ -n "$$out" ]; then echo "$$out"; echo "style: checkpatch is not clean"; exit 1; fi; \
	echo "style: checkpatch --strict clean ($(words $(KSRCS)) files)"

sparse:
	@out=$$({ $(MAKE) -s -C $(KDIR) M=$(CURDIR) W=1 C=2 modules; \
		$(MAKE) -s module-others KFLAGS=C=2; } 2>&1 | \
		grep -v -e 'Skipping BTF generation' -e '^module: '); \
	if [ -n "$$out" ]; then echo "$$out"; echo "sparse: not clean"; exit 1; fi; \
	echo "sparse (C=2) and W=1: clean for $(KVER) $(OTHER_KVERS)"

# KUnit on UML from both Debian source trees (KUNIT_KSRCS=6.1 for one)
KUNIT_KSRCS ?= 6.1 6.12
kunit:
	@for v in $(KUNIT_KSRCS); do \
		echo "--- KUnit on UML, linux-source-$$v"; \
		NP_KSRC=$$v tools/testing/kunit/run || exit 1; \
	done

TAPVM := tools/testing/selftests/netpolicy/tapvm
SECTAG := tools/testing/selftests/netpolicy/sectag
OVSDP := tools/testing/selftests/netpolicy/ovsdp
NPREQUEST := tools/testing/selftests/netpolicy/nprequest
GNLFUZZ := tools/testing/selftests/netpolicy/gnlfuzz
$(TAPVM) $(GNLFUZZ): %: %.c
	$(CC) $(UCFLAGS) -o $@ $<
# ovsdp makes a master without ndo_del_slave (an Open vSwitch datapath);
# nprequest sends LOAD requests npmgr's checker would refuse
$(OVSDP) $(NPREQUEST): %: %.c
	$(CC) $(UCFLAGS) -o $@ $< $(NL_LIBS)
# sectag checks captures with the keys: OpenSSL's AES (CMAC, key wrap, GCM)
$(SECTAG): %: %.c
	$(CC) $(UCFLAGS) -o $@ $< -lcrypto

# Every suite on the default kernel, and on each other supported kernel
# installed (6.12), with the module built for it, in VMs side by side
# (run_all.sh says how the two runs differ; selftests/kernels, why side
# by side).
selftest: module module-others npmgr userspace/npmgr-asan userspace/npmgr-virtwatch-asan \
		userspace/npmgr-libvirt-hook-asan $(TAPVM) $(SECTAG) $(OVSDP) $(NPREQUEST) $(GNLFUZZ)
	tools/testing/selftests/kernels $(KVER) $(OTHER_KVERS)

# Xen 4.17 under QEMU, the Debian kernel as dom0, real PV guests (xl);
# then two such dom0s of a pool, and a guest moved between them.
xen-selftest: module npmgr $(TAPVM)
	tools/testing/xen/mkguest > /dev/null
	tools/testing/vm/vm-run -X -t 1500 -m 2048 -- tools/testing/selftests/netpolicy/run_xen.sh
	tools/testing/xen/migrate

xen-migrate: module npmgr $(TAPVM)
	tools/testing/xen/migrate

# deps first, then a fresh make: KDIR and the libnl flags are computed
# when make starts, and on a new machine the packages are not there yet.
demo: deps
	$(MAKE) all $(TAPVM)
	tools/testing/vm/vm-run -t 600 -- tools/testing/demo.sh

# The npmgr whose parse + check issue 17 measures against (the parent of
# 7a912b3, the first change to the parser), built from git for `make
# bench`, which runs the two in one boot. Without the history (a release
# tarball) the bench says so and skips that comparison.
PARSE_BASE_REV := 7a912b3^
PARSE_BASE := .cache/parse-baseline
parse-baseline:
	@if git rev-parse -q --verify '$(PARSE_BASE_REV)^{commit}' > /dev/null 2>&1; then \
		if [ ! -x $(PARSE_BASE)/npmgr ]; then \
			rm -rf $(PARSE_BASE) && mkdir -p $(PARSE_BASE)/src && \
			git archive '$(PARSE_BASE_REV)' | tar -x -C $(PARSE_BASE)/src && \
			$(MAKE) -s -C $(PARSE_BASE)/src userspace/npmgr && \
			cp $(PARSE_BASE)/src/userspace/npmgr $(PARSE_BASE)/npmgr; \
		fi; \
	else \
		echo "parse-baseline: no git history here: the bench skips the comparison"; \
	fi

bench: deps
	$(MAKE) all parse-baseline
	NP_KUNIT_BUILD=$(CURDIR)/.cache/kunit-bench \
	NP_KUNITCONFIG=$(CURDIR)/tools/testing/kunit/bench.kunitconfig \
		tools/testing/kunit/run --kernel_args netpolicy_kunit.bench=1 \
		--raw_output=kunit 'netpolicy-bench' | grep -E 'BENCH|^ *(not )?ok'
	tools/testing/vm/vm-run -t 1200 -m 2048 -- tools/testing/bench/policy_bench.sh
	tools/testing/vm/vm-run -t 3000 -m 2048 -- tools/testing/bench/attach_bench.sh
	tools/testing/vm/vm-run -t 2700 -m 2048 -- tools/testing/bench/libvirt_bench.sh | grep -E 'BENCH|^round|FAIL'
	$(MAKE) $(TAPVM)
	tools/testing/vm/vm-run -t 1200 -m 2048 -- tools/testing/bench/tunnel_bench.sh | grep BENCH
	tools/testing/vm/vm-run -t 1200 -m 2048 -- tools/testing/bench/hostlinks_bench.sh | grep -E 'BENCH|FAIL'
	tools/testing/xen/mkguest > /dev/null
	VM_TCG_THREAD=multi tools/testing/vm/vm-run -X -t 1500 -m 3072 -- \
		tools/testing/bench/xen_bench.sh | grep BENCH
	$(MAKE) $(POOLBENCH) userspace/tests/place_test
	tools/testing/bench/pool_bench.sh
	userspace/tests/place_test --bench 1000 100000 20000
	tools/testing/bench/place_bench.sh

dkms-check: deps
	tools/testing/dkms-check

# The suites and stress cases (genl fuzzer, module cycles, namespaces) on a
# KASAN + lockdep + kmemleak kernel built from linux-source-6.1 (cached):
# make check's share of them (debug-check), and all of them (debug-check-full:
# every suite, a million fuzz requests; about two hours on 2 cores)
debug-check debug-check-full: npmgr $(TAPVM) $(SECTAG) $(OVSDP) $(NPREQUEST) $(GNLFUZZ)
	tools/testing/debug-kernel/run $(if $(filter debug-check-full,$@),--full)

check: deps
	tools/testing/check

check-build:
	@out=$$($(MAKE) -s module module-others 2>&1 | \
		grep -v -e 'Skipping BTF generation' -e '^module: '); \
	if [ -n "$$out" ]; then echo "$$out"; echo "module: W=1 build not clean"; exit 1; fi; \
	echo "module: W=1 clean for $(KVER) $(OTHER_KVERS)"
	$(MAKE) npmgr

install: all install-npmgr install-libvirt
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(KVER)

# Everything but the module (the npmgr package's content): the tool, its
# man page and completion, the Xen script, the units, /etc/netpolicy.
install-npmgr: npmgr
	install -D -m 0755 userspace/npmgr $(DESTDIR)$(PREFIX)/sbin/npmgr
	install -D -m 0644 userspace/npmgr.8 $(DESTDIR)$(PREFIX)/share/man/man8/npmgr.8
	install -D -m 0644 userspace/npmgr.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/npmgr
	$(MAKE) install-xen
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' userspace/pool/npmgr-agent.service.in > userspace/pool/npmgr-agent.service
	install -D -m 0644 userspace/pool/npmgr-agent.service $(DESTDIR)$(SYSTEMD_UNITS)/npmgr-agent.service
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' userspace/netpolicy.service.in > userspace/netpolicy.service
	install -D -m 0644 userspace/netpolicy.service $(DESTDIR)$(SYSTEMD_UNITS)/netpolicy.service
	install -d -m 0755 $(DESTDIR)/etc/netpolicy
	install -d -m 0700 $(DESTDIR)/etc/netpolicy/keys

# KVM hosts with libvirt (the npmgr-libvirt package's content): the
# watcher, libvirt's qemu hook (the program itself, linked from libvirt's
# hook directory: libvirtd runs it several times per domain start, and a
# shell in between would cost each run as much again), the watcher's unit.
LIBVIRT_HOOKS ?= /etc/libvirt/hooks
install-libvirt: npmgr
	install -D -m 0755 userspace/npmgr-virtwatch $(DESTDIR)$(PREFIX)/libexec/npmgr/npmgr-virtwatch
	install -D -m 0755 userspace/npmgr-libvirt-hook $(DESTDIR)$(PREFIX)/libexec/npmgr/npmgr-libvirt-hook
	install -d -m 0755 $(DESTDIR)$(LIBVIRT_HOOKS)/qemu.d
	ln -sf $(PREFIX)/libexec/npmgr/npmgr-libvirt-hook $(DESTDIR)$(LIBVIRT_HOOKS)/qemu.d/netpolicy
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' userspace/libvirt/npmgr-virtwatch.service.in > \
		userspace/libvirt/npmgr-virtwatch.service
	install -D -m 0644 userspace/libvirt/npmgr-virtwatch.service \
		$(DESTDIR)$(SYSTEMD_UNITS)/npmgr-virtwatch.service

# Xen dom0: the hotplug script and the xenstore watcher's unit.
XEN_SCRIPTS ?= /etc/xen/scripts
SYSTEMD_UNITS ?= /etc/systemd/system
install-xen: npmgr
	install -D -m 0755 userspace/npmgr $(DESTDIR)$(PREFIX)/sbin/npmgr
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' userspace/xen/vif-netpolicy.in > userspace/xen/vif-netpolicy
	install -D -m 0755 userspace/xen/vif-netpolicy $(DESTDIR)$(XEN_SCRIPTS)/vif-netpolicy
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' userspace/xen/npmgr-xenwatch.service.in > userspace/xen/npmgr-xenwatch.service
	install -D -m 0644 userspace/xen/npmgr-xenwatch.service $(DESTDIR)$(SYSTEMD_UNITS)/npmgr-xenwatch.service

# The Debian packages (debian/: netpolicy-dkms, npmgr, npmgr-libvirt), built offline
# from Debian's archive, into build/deb/; lintian on them.
# Built in a copy of the tree (build/deb-src): dpkg-buildpackage's clean
# step would otherwise remove this tree's module, npmgr and test programs,
# and it writes its results to the parent directory, here the copy's.
deb: deps
	rm -rf build/deb build/deb-src
	mkdir -p build/deb build/deb-src/netpolicy
	tar -c --exclude-vcs --exclude=./build --exclude=./.cache . | \
		tar -x -C build/deb-src/netpolicy
	cd build/deb-src/netpolicy && dpkg-buildpackage -us -uc -b
	mv build/deb-src/netpolicy-dkms_$(VERSION)_all.deb build/deb-src/npmgr_$(VERSION)_*.deb \
		build/deb-src/npmgr-dbgsym_$(VERSION)_*.deb build/deb-src/npmgr-libvirt_$(VERSION)_*.deb \
		build/deb-src/npmgr-libvirt-dbgsym_$(VERSION)_*.deb build/deb-src/netpolicy_$(VERSION)_*.changes \
		build/deb-src/netpolicy_$(VERSION)_*.buildinfo build/deb/
	rm -rf build/deb-src
	lintian --fail-on error build/deb/*.changes

# those packages as an operator meets them, in the VM: install the
# previous version, upgrade, a bad policy file at boot, purge
deb-check: deps npmgr
	tools/testing/deb-check

dkms-install:
	rm -rf /usr/src/netpolicy-$(VERSION)
	mkdir -p /usr/src/netpolicy-$(VERSION)
	cp -r Kbuild dkms.conf kernel include /usr/src/netpolicy-$(VERSION)/
	rm -f /usr/src/netpolicy-$(VERSION)/kernel/*.o /usr/src/netpolicy-$(VERSION)/kernel/*.ko
	dkms remove -m netpolicy -v $(VERSION) --all 2>/dev/null || true
	dkms add -m netpolicy -v $(VERSION)
	dkms build -m netpolicy -v $(VERSION) -k $(KVER)
	dkms install -m netpolicy -v $(VERSION) -k $(KVER)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf build
	rm -f userspace/npmgr userspace/npmgr-asan $(TAPVM) $(SECTAG) $(OVSDP) $(NPREQUEST) $(GNLFUZZ) $(TEST_BINS) \
		$(addsuffix -asan,$(TEST_BINS)) userspace/fuzz/fuzz_parser userspace/fuzz/fuzz_mka userspace/fuzz/fuzz_etcd $(WATCHCHECK) \
		userspace/npmgr-virtwatch userspace/npmgr-virtwatch-asan userspace/npmgr-libvirt-hook \
		userspace/npmgr-libvirt-hook-asan \
		userspace/fuzz/fuzz_domxml userspace/libvirt/npmgr-virtwatch.service \
		$(VIRT_TEST_BINS) $(addsuffix -asan,$(VIRT_TEST_BINS)) \
		userspace/xen/vif-netpolicy userspace/xen/npmgr-xenwatch.service \
		userspace/pool/npmgr-agent.service userspace/netpolicy.service
