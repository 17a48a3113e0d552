#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver for the real-browser tests (crates/xyjt-web/tests/browser.rs).
# Idempotent: does nothing when both are present. Needs root (or sudo) and Debian's package mirror.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-noto-cjk
chromium --version
chromedriver --version
