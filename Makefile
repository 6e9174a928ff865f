# The two README commands (make, make test). Everything else is CMake.
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
# -Werror: on in the test targets (CI), off for a user's plain build, whose newer compiler may
# warn about something new.
WERROR ?= OFF
# The tests that run threads, for the ThreadSanitizer build: the writer's unit ring (unit_rw,
# unit_sig and every packing CLI test) and the reader's threaded quick check (verify --quick).
TSAN_TESTS = ^(unit_rw|unit_sig|cli_threads|cli_provenance|cli_roundtrip|cli_golden|cli_tamper)$$

.PHONY: all deps build demo test test-asan test-tsan test-full test-deb lint fuzz-smoke fuzz \
        install deb clean format

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUIRE_WERROR=$(WERROR) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@sh scripts/demo.sh $(BUILD)

# The suite in the hardened release build and under ASan + UBSan. cli_tamper is sampled here
# (tests/cli/CMakeLists.txt); make test-full runs the whole sweeps.
test:
	$(MAKE) build WERROR=ON
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE full
	$(MAKE) test-asan

test-asan: deps
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DQUIRE_SANITIZE=ON -DQUIRE_WERROR=ON >/dev/null
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ctest --output-on-failure -j $(JOBS) -LE full

# The long tests (label full: every byte of the golden bundle flipped and cut), release build.
test-full:
	$(MAKE) build WERROR=ON
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L full

# ThreadSanitizer: any data race makes the program exit 66, which fails the test.
test-tsan: deps
	cmake -S . -B $(BUILD)-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUIRE_TSAN=ON -DQUIRE_WERROR=ON >/dev/null
	cmake --build $(BUILD)-tsan -j $(JOBS)
	cd $(BUILD)-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 $(TSAN_OPTIONS)" \
	    ctest --output-on-failure -j $(JOBS) -R '$(TSAN_TESTS)'

# Static analysis: clang-tidy with the committed .clang-tidy on every C file of the programs and
# the library (from the compile_commands.json of a clang build), and the clang static analyzer
# (scan-build) over the same build; either fails on any finding.
lint: deps
	sh scripts/lint.sh $(BUILD)-lint

PREFIX ?= /usr/local

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# A Debian package from the tree (CPack), installed and exercised like a user would.
deb: deps
	cmake -S . -B $(BUILD)-deb -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DQUIRE_BUILD_TESTS=OFF -DQUIRE_WERROR=$(WERROR) >/dev/null
	cmake --build $(BUILD)-deb -j $(JOBS)
	cd $(BUILD)-deb && cpack -G DEB >/dev/null && ls -l quire*.deb

test-deb:
	$(MAKE) deb WERROR=ON
	sh scripts/test-deb.sh $(BUILD)-deb

fuzz-smoke: deps
	sh scripts/fuzz.sh 20

fuzz: deps
	sh scripts/fuzz.sh $(or $(SECONDS),3600)

format:
	clang-format -i $$(git ls-files "*.c" "*.h")

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-tsan $(BUILD)-deb $(BUILD)-lint build-fuzz
