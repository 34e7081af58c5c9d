#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser tests and prints its path.
set -euo pipefail
for c in chromium chromium-browser; do
  if p=$(command -v "$c"); then echo "$p"; exit 0; fi
done
if [ "$(id -u)" != 0 ]; then
  printf 'test-chromium: Chromium is missing; install it with: sudo apt-get install -y chromium\n' >&2
  exit 1
fi
printf 'test-chromium: installing chromium from Debian'"'"'s packages\n' >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q chromium >&2 || { apt-get update -q >&2 && apt-get install -y -q chromium >&2; }
command -v chromium
