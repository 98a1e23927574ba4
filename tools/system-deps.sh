#!/usr/bin/env bash
# Install the Debian packages the renderer needs, only those missing.
#   tools/system-deps.sh render   Pango (WeasyPrint's text layout) and fonts
#   tools/system-deps.sh test     the above + Java (EPUBCheck), Chromium (axe-core), poppler-utils
set -euo pipefail
render=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji)
test=(default-jre-headless chromium poppler-utils)
case "${1:-render}" in
  render) wanted=("${render[@]}") ;;
  test) wanted=("${render[@]}" "${test[@]}") ;;
  *) echo "usage: $0 render|test" >&2; exit 2 ;;
esac
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# Java may come from elsewhere (an image's own JDK): accept any working `java`.
if command -v java >/dev/null 2>&1; then
  filtered=(); for p in "${missing[@]}"; do [ "$p" = default-jre-headless ] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}" >&2
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
