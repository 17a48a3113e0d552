#!/usr/bin/env bash
# Installs what the tests read the product back with: Debian's Chromium and ChromeDriver for the
# real-browser tests (crates/xyjt-web/tests/browser.rs), and poppler-utils and zbar-tools to read
# the PDF credit reports back as a reader's machine would (crates/xyjt-pdf/tests/pdf.rs: page
# size, embedded font, text, attachment, QR code).
# Idempotent: does nothing when all are present. Needs root (or sudo) and Debian's package mirror.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-noto-cjk)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
chromium --version
chromedriver --version
