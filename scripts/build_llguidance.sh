#!/usr/bin/env bash
# Builds llguidance (crates.io, MIT; grammar-constrained decoding, src/grammar/) as a static
# library into deps/llguidance/: lib/libllguidance.a + include/llguidance.h.
# Idempotent: a stamp naming the version skips the build on later runs (~95 s on 2 cores).
# The crate's source comes from crates.io through cargo itself (a throwaway manifest that depends
# on the exact version, `cargo fetch`), then builds with its own published Cargo.lock (--locked).
# Features: lark (Lark grammars), referencing ($ref in JSON schemas), ahash; not rayon: the
# engine computes masks on its own threads, so the library needs no thread pool of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=1.9.1
OUT=${LLGUIDANCE_OUT:-$PWD/deps/llguidance}  # LLGUIDANCE_OUT: elsewhere (testing the script)
STAMP=$OUT/.version
if [ "$(cat "$STAMP" 2>/dev/null)" = "$VERSION" ] && [ -f "$OUT/lib/libllguidance.a" ]; then
  exit 0
fi
# A Rust toolchain >= 1.87 (Debian 12's rustc is 1.63): rustup's minimal profile when absent.
[ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
rust_ok() {
  command -v rustc >/dev/null 2>&1 || return 1
  local v; v=$(rustc --version | awk '{print $2}')
  [ "$(printf '%s\n1.87.0\n' "$v" | sort -V | head -1)" = "1.87.0" ]
}
if ! rust_ok; then
  echo "setup: installing a Rust toolchain with rustup (llguidance needs rustc >= 1.87)"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y -q --profile minimal
  export PATH="$HOME/.cargo/bin:$PATH"
  rust_ok || { echo "setup: rustc >= 1.87 is needed to build llguidance" >&2; exit 1; }
fi
echo "setup: building llguidance $VERSION with cargo (about 2 minutes)"
WORK=$OUT-build
rm -rf "$WORK"; mkdir -p "$WORK/fetch/src"
cat > "$WORK/fetch/Cargo.toml" <<TOML
[package]
name = "llguidance-fetch"
version = "0.0.0"
edition = "2021"
[dependencies]
llguidance = { version = "=$VERSION", default-features = false }
TOML
: > "$WORK/fetch/src/lib.rs"
CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
(cd "$WORK/fetch" && cargo fetch -q)
# cargo fetch leaves the .crate (a tar.gz of the source) in registry/cache; unpack our own copy.
CRATE=$(ls "$CARGO_HOME"/registry/cache/*/llguidance-"$VERSION".crate | head -1)
tar -xzf "$CRATE" -C "$WORK"
mv "$WORK/llguidance-$VERSION" "$WORK/llguidance"
(cd "$WORK/llguidance" && cargo build --release --locked -q --lib \
   --no-default-features --features lark,referencing,ahash --target-dir "$WORK/target")
mkdir -p "$OUT/lib" "$OUT/include"
cp "$WORK/target/release/libllguidance.a" "$OUT/lib/"
cp "$WORK/llguidance/llguidance.h" "$OUT/include/"
rm -rf "$WORK"
echo "$VERSION" > "$STAMP"
