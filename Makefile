# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# portsnoop: make builds everything into build/; see README.md.

PREFIX  ?= /usr/local
DESTDIR ?=
LIBDIR  ?= $(PREFIX)/lib
O       ?= build

CC      ?= cc
CLANG   ?= clang
BPFTOOL ?= bpftool
ARCH    := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

WARN    := -Wall -Wextra -Werror
CFLAGS  ?= -O2 -g
# make O=build-san SAN=1: everything built with ASan and UBSan.
ifdef SAN
CFLAGS  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=all
endif
CFLAGS  += -std=gnu11 -D_GNU_SOURCE $(WARN) -Iinclude
LIB_CFLAGS := $(CFLAGS) -Isrc -I$(O) -fPIC -fvisibility=hidden
LDLIBS  := -lbpf -lelf -lz -pthread
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) -Iinclude \
	      -Wno-unused-function -Wno-unused-parameter -Isrc/bpf

BPF_SRCS  := $(wildcard src/bpf/*.bpf.c)
SKELS     := $(patsubst src/bpf/%.bpf.c,$(O)/%.skel.h,$(BPF_SRCS))
LIB_SRCS  := $(wildcard src/*.c)
LIB_OBJS  := $(patsubst src/%.c,$(O)/lib/%.o,$(LIB_SRCS))
CLI_OBJS  := $(O)/tools/cli.o $(O)/tools/line.o
TOOLS     := $(O)/portsnoop $(O)/socksnoop
PROGS     := $(patsubst tests/progs/%.c,$(O)/progs/%,$(wildcard tests/progs/*.c)) \
	     $(patsubst tests/shims/%.c,$(O)/shims/%.so,$(wildcard tests/shims/*.c))
UNITS     := $(patsubst tests/unit/%.c,$(O)/unit/%,$(wildcard tests/unit/test_*.c))
EXAMPLES  := $(patsubst examples/%.c,$(O)/examples/%,$(wildcard examples/*.c))

.PHONY: all lib tools progs units examples deps check check-unit demo install \
	clean bench
.DELETE_ON_ERROR:
.SECONDARY:

all: lib tools progs units examples

lib: $(O)/libportsnoop.a $(O)/libportsnoop.so
tools: $(TOOLS)
progs: $(PROGS)
units: $(UNITS)
examples: $(EXAMPLES)

# The BPF side: objects, then skeletons generated at build time (never committed).
# bpftool's linker keeps BTF and leaves clang's DWARF out of the object the
# skeleton embeds: the tools get smaller, and so does their resident set.
$(O)/bpf/%.bpf.o: src/bpf/%.bpf.c $(wildcard src/bpf/*.h) | $(O)/bpf
	$(CLANG) $(BPF_CFLAGS) -c $< -o $(@:.o=.dwarf.o)
	$(BPFTOOL) gen object $@ $(@:.o=.dwarf.o)

$(O)/%.skel.h: $(O)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(O)/lib/%.o: src/%.c include/portsnoop.h $(wildcard src/*.h) $(wildcard src/bpf/*.h) $(SKELS) | $(O)/lib
	$(CC) $(LIB_CFLAGS) -c $< -o $@

$(O)/libportsnoop.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(O)/libportsnoop.so: $(LIB_OBJS) src/libportsnoop.map
	$(CC) $(CFLAGS) -shared -Wl,--version-script=src/libportsnoop.map \
		-Wl,-soname,libportsnoop.so.0 -o $@ $(LIB_OBJS) $(LDLIBS)

$(O)/tools/%.o: tools/%.c include/portsnoop.h $(wildcard tools/*.h) | $(O)/tools
	$(CC) $(CFLAGS) -c $< -o $@

$(O)/portsnoop: $(O)/tools/summary.o $(O)/tools/timeline.o

$(O)/%: $(O)/tools/%.o $(CLI_OBJS) $(O)/libportsnoop.a
	$(CC) $(CFLAGS) -o $@ $(filter %.o,$^) $(O)/libportsnoop.a $(LDLIBS)

$(O)/progs/%: tests/progs/%.c | $(O)/progs
	$(CC) $(CFLAGS) -pthread -o $@ $<

# LD_PRELOAD shims: fault injection for the integration tests.
$(O)/shims/%.so: tests/shims/%.c | $(O)/shims
	$(CC) $(CFLAGS) -shared -fPIC -o $@ $< -ldl

$(O)/unit/%: tests/unit/%.c tests/unit/unit.h $(CLI_OBJS) $(O)/libportsnoop.a | $(O)/unit
	$(CC) $(CFLAGS) -Isrc -Itools -o $@ $< $(CLI_OBJS) $(O)/libportsnoop.a $(LDLIBS)

$(O)/examples/%: examples/%.c $(O)/libportsnoop.a | $(O)/examples
	$(CC) $(CFLAGS) -o $@ $< $(O)/libportsnoop.a $(LDLIBS)

$(O)/bpf $(O)/lib $(O)/tools $(O)/progs $(O)/shims $(O)/unit $(O)/examples:
	mkdir -p $@

# Installs what building and testing need from Debian, once.
deps:
	@scripts/deps.sh

check: deps
	$(MAKE) all
	python3 tests/run.py

check-unit: units
	python3 tests/run.py --unit

demo: deps
	$(MAKE) all
	scripts/demo.sh

bench: deps
	$(MAKE) all
	bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/man/man3
	install -m 0755 $(TOOLS) $(DESTDIR)$(PREFIX)/sbin/
	install -m 0644 $(O)/libportsnoop.a $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(O)/libportsnoop.so $(DESTDIR)$(LIBDIR)/libportsnoop.so.0
	ln -sf libportsnoop.so.0 $(DESTDIR)$(LIBDIR)/libportsnoop.so
	install -m 0644 include/portsnoop.h include/portsnoop_enums.h $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@VERSION@|0.1.0|' src/libportsnoop.pc.in \
		> $(DESTDIR)$(LIBDIR)/pkgconfig/libportsnoop.pc
	chmod 0644 $(DESTDIR)$(LIBDIR)/pkgconfig/libportsnoop.pc
	install -m 0644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 man/*.3 $(DESTDIR)$(PREFIX)/share/man/man3/

clean:
	rm -rf $(O)

# Fuzzing (libFuzzer): the decoders and parsers that take outside input.
FUZZ_SECONDS ?= 10
FUZZERS := $(patsubst tests/fuzz/%.c,$(O)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE $(WARN) -Iinclude -Isrc -Itools -I$(O) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

$(O)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) tools/cli.c tools/line.c $(SKELS) | $(O)/fuzz
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRCS) tools/cli.c tools/line.c $(LDLIBS)

$(O)/fuzz:
	mkdir -p $@

.PHONY: fuzz
fuzz: $(FUZZERS)
	scripts/fuzz.sh $(O)/fuzz $(FUZZ_SECONDS)
