#!/usr/bin/env bash
# Builds Fraktaler 3 2.1, the deep-zoom anchor of bench/anchors.ts, headless, with mandel's small
# changes (mandel-anchor.patch), under a scratch folder: never in mandel's tree or package (it is
# AGPL-3.0-only).
#
#   bash bench/fraktaler/build.sh [SOURCE]
#
# SOURCE: a checkout or unpacked copy of https://github.com/LegalizeAdulthood/fraktaler at tag 2.1
# (commit 46b51d16e05f…); without it the tag is cloned from GitHub. The binary ends up at
# $MANDEL_F3_DIR/fraktaler-3 (default ~/.cache/mandel/fraktaler-3), with a wisdom file beside it.
# Debian packages it needs are installed when missing (as root), or named.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${MANDEL_F3_DIR:-$HOME/.cache/mandel/fraktaler-3}"
tag=2.1
commit=46b51d16e05fb49e05f577676b8d3910d826aa9f

packages=(g++ make pkg-config libglm-dev libmpfrc++-dev libtoml11-dev libsdl2-dev xxd p7zip cpio zlib1g-dev libmpfr-dev libgmp-dev)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y --no-install-recommends "${missing[@]}"
  else
    echo "fraktaler: needs Debian packages: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

rm -rf "$dir/src-$tag"
mkdir -p "$dir"
if [ $# -ge 1 ]; then
  if [ -d "$1/.git" ] || git -C "$1" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$1" archive --format=tar --prefix="src-$tag/" "$tag" | tar -x -C "$dir"
    got="$(git -C "$1" rev-parse "$tag^{commit}")"
    [ "$got" = "$commit" ] || { echo "fraktaler: tag $tag is $got here, not $commit" >&2; exit 1; }
  else
    cp -r "$1" "$dir/src-$tag"
  fi
else
  git clone --quiet --depth 1 --branch "$tag" https://github.com/LegalizeAdulthood/fraktaler "$dir/src-$tag"
  got="$(git -C "$dir/src-$tag" rev-parse HEAD)"
  [ "$got" = "$commit" ] || { echo "fraktaler: tag $tag is $got, not $commit" >&2; exit 1; }
fi

cd "$dir/src-$tag"
patch -p1 --quiet < "$here/mandel-anchor.patch"
# Its Makefile embeds its own (patched) source in the binary, as the AGPL asks: do that part with it.
make --quiet VERSION="$tag" VERSION.txt >make.log 2>&1 && make --quiet VERSION="$tag" headers >>make.log 2>&1 ||
  { cat make.log >&2; exit 1; }
# The rest by hand: without its GUI (gui.cc then only says so), OpenCL and OpenEXR.
flags=(-std=c++17 -O3 -march=native -DHAVE_EXR=0 -DFRAKTALER_3_VERSION_STRING="\"$tag\""
  -DIMGUI_GIT_VERSION_STRING='"none"' -DIMGUI_FILEBROWSER_GIT_VERSION_STRING='"none"'
  -DTOML11_GIT_VERSION_STRING='"none"' -DCLEW_GIT_VERSION_STRING='"none"' $(pkg-config --cflags sdl2 glm mpfr zlib))
mkdir -p obj
sources=(batch bla engine gui hybrid image_raw image_rgb main opencl param render source version wisdom histogram)
printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -I{} g++ "${flags[@]}" -c src/{}.cc -o obj/{}.o
g++ -o "$dir/fraktaler-3" obj/*.o $(pkg-config --libs sdl2 mpfr zlib) -lgmp -lpthread
"$dir/fraktaler-3" -W -P -w "$dir/wisdom.toml" >/dev/null 2>&1 || true
[ -s "$dir/wisdom.toml" ] || { echo "fraktaler: no wisdom file written" >&2; exit 1; }
echo "fraktaler: built $dir/fraktaler-3 (Fraktaler 3 $tag, $commit, with mandel-anchor.patch)"
