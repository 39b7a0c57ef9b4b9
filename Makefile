# Front door. `make run` and `make test` are the two commands a fresh machine needs.
BUILD ?= build
JOBS ?= 2
ASAN_BUILD ?= build-asan
NEON_BUILD ?= build-neon
CUDA_BUILD ?= build-cuda
SETUP_STAMP := .venv/.requirements.sha

.PHONY: setup build test unit conformance check-includes test-asan test-neon build-cuda test-cuda run clean

setup:
	./scripts/setup.sh

$(SETUP_STAMP): scripts/requirements-test.txt scripts/requirements-test-nodeps.txt scripts/requirements-cuda.txt scripts/requirements-llamaindex.txt scripts/setup.sh
	./scripts/setup.sh
	@touch $@  # setup.sh rewrites the stamp only when the requirements change

build: $(SETUP_STAMP)
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

conformance: build
	VLLM_CPP_BIN=$(abspath $(BUILD))/vllm-cpp .venv/bin/python -m pytest -q tests

# Unit tests under AddressSanitizer + UBSan (proves the parsers never read out of bounds).
# -O1 keeps the model-running engine tests fast enough; DCHECKs stay on (no NDEBUG). It is
# also the portable build (no -march=native): the SIMD kernels are reached only through
# run-time dispatch, and the kernel tests run every target this CPU supports.
# Then the hostile-input suite (tests/security/test_hostile_input.py, ~1 min) against the
# sanitized server: an out-of-bounds access, overflow or UB on any request path aborts the
# server, and a leak found at its SIGTERM exit makes it exit non-zero; the suite sees both.
test-asan: $(SETUP_STAMP)
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
	  -DVLLM_CPP_SANITIZE=ON -DVLLM_CPP_NATIVE=OFF >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target vllm_tests vllm-cpp
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)
	ASAN_OPTIONS=abort_on_error=1 VLLM_CPP_BIN=$(abspath $(ASAN_BUILD))/vllm-cpp \
	  .venv/bin/python -m pytest -q tests/security/test_hostile_input.py

# The CPU kernel tests cross-compiled for AArch64 and run under qemu-user: the only way the
# NEON target (src/kernels/cpu/simd_neon.h) gets exercised on an x86 machine. Its own small
# CMake project (tests/neon/), so none of the server's dependencies are needed for AArch64.
test-neon: $(SETUP_STAMP)
	cmake -S tests/neon -B $(NEON_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/tests/neon/aarch64-linux-gnu.cmake >/dev/null
	cmake --build $(NEON_BUILD) -j $(JOBS)
	qemu-aarch64 -L /usr/aarch64-linux-gnu $(NEON_BUILD)/kernels_test

# Includes point down the layer order of docs/ARCHITECTURE.md (tests/tools checks the checker).
check-includes:
	python3 scripts/check_includes.py

# The CUDA kernels, their tests and benchmark compiled with nvcc from the pinned wheels
# (scripts/requirements-cuda.txt): no GPU needed, so CI compiles every CUDA file; a kernel
# whose registers spill fails the build (cmake/VllmCuda.cmake). Only the CUDA targets.
build-cuda: $(SETUP_STAMP)
	nvcc=$$(ls $(CURDIR)/.venv/lib/python3*/site-packages/nvidia/cu13/bin/nvcc) && \
	  cmake -S . -B $(CUDA_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DVLLM_CPP_CUDA=ON \
	  -DCMAKE_CUDA_COMPILER=$$nvcc >/dev/null
	cmake --build $(CUDA_BUILD) -j $(JOBS) --target vllm_cuda cuda_tests cuda_bench vllm-cpp cuda_e2e_tests

# The CUDA kernel tests: on a machine with an NVIDIA GPU (sm_90) only.
test-cuda: build-cuda
	$(CUDA_BUILD)/tests/cuda/cuda_tests

# The API suite again with every server running two data-parallel replicas (EngineGroup).
test-dp: build
	VLLM_CPP_SERVE_ARGS="--data-parallel-size 2" VLLM_CPP_BIN=$(abspath $(BUILD))/vllm-cpp \
	  .venv/bin/python -m pytest -q tests/api

test: check-includes build-cuda unit conformance test-dp test-asan test-neon

# The server on the embedded default model (mlx-community/Qwen3-0.6B-8bit shapes, random
# weights, real Qwen3 tokenizer): http://127.0.0.1:8000/v1 (OpenAI) and /v1/messages (Anthropic).
run: build
	./$(BUILD)/vllm-cpp serve

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(NEON_BUILD) $(CUDA_BUILD)
