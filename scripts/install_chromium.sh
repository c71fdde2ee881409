#!/usr/bin/env bash
# The headless Chromium the payment-link browser test drives (tests/providers/test_payment_link_browser.py):
# Debian's chromium and chromium-driver, installed when missing. Needs root (CI and the dev machines are).
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install_chromium.sh: not root; install chromium and chromium-driver yourself" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium chromium-driver >/dev/null
command -v chromium && command -v chromedriver
