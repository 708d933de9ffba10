#!/usr/bin/env bash
# Builds native/kernels.c into four WebAssembly modules that import the tfjs wasm backend's memory:
#   resources/wasm/dfer-kernels.wasm                 SIMD128, plain memory (the stock single-threaded backend)
#   resources/wasm/dfer-kernels-shared.wasm          SIMD128, shared memory (the threaded backend)
#   resources/wasm/dfer-kernels-relaxed.wasm         the same with relaxed-SIMD fused multiply-add
#   resources/wasm/dfer-kernels-shared-relaxed.wasm
# Needs clang and wasm-ld (Debian: clang-14 lld-14) and wabt (wasm2wat, wat2wasm, wasm-objdump).
# The outputs are committed so that `npm install` needs no C toolchain; .ci/run rebuilds them and
# fails if they differ from the committed ones.
#
# Relaxed SIMD: clang-14 cannot emit f32x4.relaxed_madd (its prototype opcode predates the final
# encoding), so kernels.c, built with -DDFER_RELAXED, calls an imported `dfer.relaxed_madd(a, b, c)`
# declared `const` (no memory effects, so the optimiser treats it as arithmetic). The linked module is
# turned to text, every call to that import becomes the instruction itself, the import is removed
# (function indices shift down by one), and wabt assembles it with the final opcode (0xfd 0x105).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../resources/wasm}"
mkdir -p "$out"
CLANG="${CLANG:-$(command -v clang-14 || command -v clang)}"
WASM_LD="$(command -v wasm-ld-14 || command -v wasm-ld)"
for tool in wasm-objdump wasm2wat wat2wasm perl; do command -v "$tool" >/dev/null || { echo "build.sh: $tool not found (apt-get install wabt)" >&2; exit 1; }; done
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
cflags=(--target=wasm32 -O3 -msimd128 -ffreestanding -fno-builtin -Wall -Wextra -Werror)
link=(--no-entry --import-memory --initial-memory=131072 --max-memory=4294967296 -z stack-size=1024 --strip-all)

# Compile and link separately: clang's own link step would also run binaryen's wasm-opt when one is
# installed (Debian's rejects SIMD unless told), and the build does not need it.
build() { # name, shared(0|1), relaxed(0|1)
  local name="$1" shared="$2" relaxed="$3" cf=("${cflags[@]}") lf=("${link[@]}") wabt=()
  if [ "$shared" = 1 ]; then cf+=(-matomics -mbulk-memory); lf+=(--shared-memory); wabt+=(--enable-threads); fi
  if [ "$relaxed" = 1 ]; then cf+=(-DDFER_RELAXED); fi
  "$CLANG" "${cf[@]}" -c -o "$tmp/k.o" "$here/kernels.c"
  "$WASM_LD" "${lf[@]}" -o "$tmp/k.wasm" "$tmp/k.o"
  if [ "$relaxed" = 0 ]; then cp "$tmp/k.wasm" "$out/$name"; return; fi
  wasm2wat "${wabt[@]}" "$tmp/k.wasm" -o "$tmp/k.wat"
  grep -q '^  (import "dfer" "relaxed_madd" (func (;0;) ' "$tmp/k.wat" || { echo "build.sh: relaxed_madd is not function 0 of $name" >&2; exit 1; }
  if grep -qE 'ref\.func|\(elem|call_indirect|return_call' "$tmp/k.wat"; then echo "build.sh: $name has function references the rewrite does not renumber" >&2; exit 1; fi
  perl -ne '
    next if /^  \(import "dfer" "relaxed_madd"/;
    s/\bcall 0\b/f32x4.relaxed_madd/g;
    s/\bcall (\d+)\b/"call ".($1-1)/ge;
    s/\(func (\d+)\)\)/"(func ".($1-1)."))"/ge if /^  \(export /;
    print;' "$tmp/k.wat" > "$tmp/r.wat"
  if grep -q '"dfer"' "$tmp/r.wat"; then echo "build.sh: $name still imports from dfer" >&2; exit 1; fi
  wat2wasm "${wabt[@]}" --enable-relaxed-simd "$tmp/r.wat" -o "$out/$name"
}
build dfer-kernels.wasm 0 0
build dfer-kernels-shared.wasm 1 0
build dfer-kernels-relaxed.wasm 0 1
build dfer-kernels-shared-relaxed.wasm 1 1

# The modules must not write to memory they do not own: no data segments, no start function, and no use of
# the C stack pointer (global 0) in code. The relaxed ones must hold the fused multiply-adds.
for f in "$out"/dfer-kernels*.wasm; do
  headers="$(wasm-objdump -h "$f")"
  if grep -qE '^ *(Data|Start|DataCount) ' <<<"$headers"; then echo "build.sh: $f has a data or start section" >&2; exit 1; fi
  code="$(wasm-objdump -d "$f")"
  if grep -qE 'global\.(get|set) 0\b' <<<"$code"; then echo "build.sh: $f uses the C stack" >&2; exit 1; fi
  case "$f" in *relaxed.wasm) grep -q 'f32x4.relaxed_madd' <<<"$code" || { echo "build.sh: $f has no relaxed_madd" >&2; exit 1; } ;; esac
done
echo "built $(cd "$out" && ls -l dfer-kernels*.wasm | awk '{print $5" "$9}' | tr '\n' ' ')"
