#!/usr/bin/env bash
# Install the Debian packages the renderer needs, only those missing.
#   tools/system-deps.sh render              Pango (WeasyPrint's text layout) and the default fonts:
#                                            every script but Chinese, Japanese and Korean (55 MB)
#   tools/system-deps.sh render-all-scripts  the above + Noto CJK (89 MB more)
#   tools/system-deps.sh narration           render + the listening editions: espeak-ng (the voice), lame (MP3),
#                                            ffmpeg (M4B, ffprobe), sox (soxi, levels)
#   tools/system-deps.sh braille             render + the braille editions: liblouis (the translator), its
#                                            tables and its Python binding (python3-louis)
#   tools/system-deps.sh test                render-all-scripts + narration + braille + Java (EPUBCheck), Chromium (axe-core),
#                                            poppler-utils, zim-tools (zimcheck) and kiwix-tools (kiwix-serve)
# (sizes: dpkg's Installed-Size on Debian 12; README, "Languages")
set -euo pipefail
# fonts-dejavu-core: Latin, Greek, Cyrillic; fonts-noto-core: Arabic, Hebrew, Thai, Lao, Khmer,
# Myanmar, the scripts of India and Sri Lanka, Ethiopic, Armenian, Georgian and some 150 more
render=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core fonts-noto-color-emoji)
all_scripts=(fonts-noto-cjk)
# The listening editions (README, "Listening editions"); libsox-fmt-mp3 lets sox read the MP3.
narration=(espeak-ng lame ffmpeg sox libsox-fmt-mp3)
# The braille editions (README, "Braille editions"): renderer.braille loads Debian's python3-louis.
braille=(liblouis-bin liblouis-data python3-louis)
test=(default-jre-headless chromium poppler-utils zim-tools kiwix-tools)
case "${1:-render}" in
  render) wanted=("${render[@]}") ;;
  render-all-scripts) wanted=("${render[@]}" "${all_scripts[@]}") ;;
  narration) wanted=("${render[@]}" "${narration[@]}") ;;
  braille) wanted=("${render[@]}" "${braille[@]}") ;;
  test) wanted=("${render[@]}" "${all_scripts[@]}" "${narration[@]}" "${braille[@]}" "${test[@]}") ;;
  *) echo "usage: $0 render|render-all-scripts|narration|braille|test" >&2; exit 2 ;;
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
