#!/usr/bin/env bash
# Debian packages the tests use, nothing downloaded at run time: Chromium and ChromeDriver for the
# real-browser test (required), and Fashion-MNIST for the second-dataset loader test (optional:
# without it that test skips).
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
fashion=()
[ -d /usr/share/datasets/fashion-mnist ] || fashion=(dataset-fashion-mnist)
[ ${#need[@]} -eq 0 ] && [ ${#fashion[@]} -eq 0 ] && exit 0
$SUDO apt-get update -qq
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian's ${need[*]} (needs root)"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ${#fashion[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${fashion[@]}" >/dev/null \
    || echo "Debian's dataset-fashion-mnist not installed: the Fashion-MNIST loader test will skip"
fi
