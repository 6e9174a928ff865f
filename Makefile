# The two README commands. Everything else is CMake.
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build demo test test-asan test-deb fuzz-smoke fuzz install deb clean format

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@sh scripts/demo.sh $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) test-asan

test-asan: deps
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DQUIRE_SANITIZE=ON >/dev/null
	cmake --build $(BUILD)-asan -j $(JOBS)
	cd $(BUILD)-asan && ctest --output-on-failure -j $(JOBS)

PREFIX ?= /usr/local

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# A Debian package from the tree (CPack), installed and exercised like a user would.
deb: deps
	cmake -S . -B $(BUILD)-deb -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DQUIRE_BUILD_TESTS=OFF >/dev/null
	cmake --build $(BUILD)-deb -j $(JOBS)
	cd $(BUILD)-deb && cpack -G DEB >/dev/null && ls -l quire*.deb

test-deb: deb
	sh scripts/test-deb.sh $(BUILD)-deb

fuzz-smoke: deps
	sh scripts/fuzz.sh 20

fuzz: deps
	sh scripts/fuzz.sh $(or $(SECONDS),3600)

format:
	clang-format -i $$(git ls-files "*.c" "*.h")

clean:
	rm -rf $(BUILD) $(BUILD)-asan build-fuzz
