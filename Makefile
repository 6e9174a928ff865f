# The README commands (make, make test, make install, make deb, make static). Everything else
# is CMake.
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
# -Werror: on in the test targets (CI), off for a user's plain build, whose newer compiler may
# warn about something new.
WERROR ?= OFF
# The tests that run threads, for the ThreadSanitizer build: the writer's unit ring (unit_rw,
# unit_sig and every packing CLI test) and the reader's threaded quick check (verify --quick,
# intact and corrupted, in cli_threads), the full walk's unit pipeline (cli_threads) and serve,
# whose requests run on libmicrohttpd's threads (cli_serve). cli_tamper is left out: it packs once and then reads
# single-threaded, and took 100 s of CI's time under TSan for no thread it did not share.
TSAN_TESTS = ^(unit_rw|unit_sig|cli_threads|cli_provenance|cli_roundtrip|cli_golden|cli_serve)$$

# Quiet by default: no configure report, no per-file progress lines and no commands, only
# compiler and linker messages and the programs built. make V=1 shows everything.
V ?= 0
ifeq ($(V),0)
Q := @
CONFIGURE_QUIET := >/dev/null
CMAKE_V := -DCMAKE_RULE_MESSAGES=OFF -DCMAKE_TARGET_MESSAGES=OFF -DCMAKE_VERBOSE_MAKEFILE=OFF
MAKEFLAGS += --no-print-directory
else
Q :=
CONFIGURE_QUIET :=
CMAKE_V := -DCMAKE_RULE_MESSAGES=ON -DCMAKE_TARGET_MESSAGES=ON -DCMAKE_VERBOSE_MAKEFILE=ON
endif
# configure DIR FLAGS...: configures the CMake build directory DIR with the verbosity above.
configure = cmake -S . -B $(1) $(CMAKE_V) $(2) $(CONFIGURE_QUIET)
# compile DIR [TARGETS]: builds DIR, then names the two programs.
compile = cmake --build $(1) -j $(JOBS) $(if $(2),--target $(2)) && \
    echo "built $(1)/quire-pack $(1)/quire-read"

.PHONY: all deps build demo test test-asan test-tsan test-full test-deb test-static test-serve lint \
        fuzz-smoke fuzz install deb static clean format

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	$(Q)$(call configure,$(BUILD),-DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUIRE_WERROR=$(WERROR))
	$(Q)$(call compile,$(BUILD))

demo: build
	@sh scripts/demo.sh $(BUILD)

# The suite in the hardened release build and under ASan + UBSan (less the tests labelled
# nosan, whose time is an independent Python implementation's or the passphrase KDF's, not the
# C code's). The sweeps are sampled here (tests/cli/CMakeLists.txt); make test-full runs them
# whole.
test:
	$(Q)$(MAKE) build WERROR=ON
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE 'full|serve'
	$(Q)$(MAKE) test-asan

test-asan: deps
	$(Q)$(call configure,$(BUILD)-asan,-DCMAKE_BUILD_TYPE=Debug -DQUIRE_SANITIZE=ON -DQUIRE_WERROR=ON)
	$(Q)$(call compile,$(BUILD)-asan)
	cd $(BUILD)-asan && ctest --output-on-failure -j $(JOBS) -LE 'full|serve|nosan'

# The long tests (label full: every byte of the golden bundle flipped and cut), release build.
test-full:
	$(Q)$(MAKE) build WERROR=ON
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L full

# quire-read serve in headless chromium (screenshots, axe-core, a hostile page's network log) and
# under load (ab), label serve; chromium, ab and the npm packages come from
# scripts/install-serve-deps.sh. Screenshots and reports: $(BUILD)/serve-artefacts.
test-serve:
	$(Q)$(MAKE) build WERROR=ON
	$(Q)sh scripts/install-serve-deps.sh $(BUILD)-node
	cd $(BUILD) && QUIRE_NODE_DIR=$(abspath $(BUILD)-node) ctest --output-on-failure -L serve

# ThreadSanitizer: any data race makes the program exit 66, which fails the test.
test-tsan: deps
	$(Q)$(call configure,$(BUILD)-tsan,-DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUIRE_TSAN=ON \
	    -DQUIRE_WERROR=ON)
	$(Q)$(call compile,$(BUILD)-tsan)
	cd $(BUILD)-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 $(TSAN_OPTIONS)" \
	    ctest --output-on-failure -j $(JOBS) -R '$(TSAN_TESTS)'

# Static analysis: clang-tidy with the committed .clang-tidy on every C file of the programs and
# the library (from the compile_commands.json of a clang build), and the clang static analyzer
# (scan-build) over the same build; either fails on any finding.
lint: deps
	sh scripts/lint.sh $(BUILD)-lint

PREFIX ?= /usr/local

# Configured again with the prefix, which chooses where zsh's completion goes (no recompiling).
install: build
	$(Q)$(call configure,$(BUILD),-DCMAKE_INSTALL_PREFIX=$(PREFIX))
	$(Q)cmake --install $(BUILD) $(if $(filter 0,$(V)),>/dev/null)
	@echo "installed quire-pack and quire-read in $(PREFIX)/bin"

# A Debian package from the tree (CPack), installed and exercised like a user would. CPack
# names it quire_VERSION-RELEASE_ARCH.deb (README.md names it; test-deb.sh checks that).
deb: deps
	$(Q)$(call configure,$(BUILD)-deb,-DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
	    -DQUIRE_BUILD_TESTS=OFF -DQUIRE_WERROR=$(WERROR))
	$(Q)$(call compile,$(BUILD)-deb)
	$(Q)rm -f $(BUILD)-deb/quire*.deb
	$(Q)cd $(BUILD)-deb && { cpack -G DEB $(if $(filter 0,$(V)),>cpack.log 2>&1) || \
	    { cat cpack.log >&2; exit 1; }; } && echo "built $(BUILD)-deb/$$(ls quire*.deb)"

test-deb:
	$(Q)$(MAKE) deb WERROR=ON
	$(Q)sh scripts/test-deb.sh $(BUILD)-deb

# Fully static quire-read and quire-pack (Linux x86-64, glibc's static-pie) for a machine
# without the shared libraries; export is unavailable in the static quire-read (CMakeLists.txt).
# The linker warns that libxml2 and ICU, inside libarchive.a, call getaddrinfo and dlopen:
# quire-pack never reaches those calls.
static: deps
	$(Q)$(call configure,$(BUILD)-static,-DCMAKE_BUILD_TYPE=Release -DQUIRE_STATIC=ON \
	    -DQUIRE_BUILD_TESTS=OFF -DQUIRE_WERROR=$(WERROR))
	$(Q)$(call compile,$(BUILD)-static)

# make static (checked to be quiet), then the static programs run in an empty chroot: no shared
# library, no loader, no /etc, no /dev. Needs root (or unprivileged user namespaces).
test-static: deps
	$(Q)sh scripts/test-static.sh $(BUILD)

# Each target for 10 s (CI's time is bounded; make fuzz runs each for an hour).
fuzz-smoke: deps
	sh scripts/fuzz.sh 10

fuzz: deps
	sh scripts/fuzz.sh $(or $(SECONDS),3600)

format:
	clang-format -i $$(git ls-files "*.c" "*.h")

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-tsan $(BUILD)-deb $(BUILD)-static $(BUILD)-lint $(BUILD)-node \
	    build-fuzz
