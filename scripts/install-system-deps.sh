#!/usr/bin/env bash
# Installs the Debian packages mandel's tests use, when they are missing:
#   python3       the tutorial's own program, the oracle the counts are checked against
#   chromium      a real browser for the HTML pages (3D surface, report)
#   redis-server  the broker of the cluster backend
#   openssl       makes the throw-away certificate authority of the TLS test
#   ffmpeg        encodes `mandel movie`'s video (and ffprobe decodes it back in its tests)
# Needs root or passwordless sudo; does nothing when everything is already there.
set -euo pipefail
missing=()
command -v python3 >/dev/null || missing+=(python3)
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || missing+=(chromium)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v openssl >/dev/null || missing+=(openssl)
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo="sudo"
  else
    echo "system packages: missing ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
    # Outside CI the tests that need them skip or fail with that name; in CI it is fatal.
    if [ -n "${CI:-}" ]; then exit 1; else exit 0; fi
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q "${missing[@]}"
