#!/usr/bin/env bash
# Refresh the browser libraries and fonts vendored under static/vendor/ from the npm registry.
# Each line of PACKAGES is: npm package, exact version, target folder, files to copy
# (paths inside the package). The licence file is copied too (as LICENSE) and VERSIONS is
# rewritten.
# Usage: scripts/vendor-refresh.sh            (needs npm and the registry)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  "htmx.org 2.0.11 htmx dist/htmx.min.js"
  # DejaVu Serif: a Times-like serif with full Vietnamese coverage, embedded in the PDF exports.
  "dejavu-fonts-ttf 2.37.3 fonts ttf/DejaVuSerif.ttf ttf/DejaVuSerif-Bold.ttf ttf/DejaVuSerif-Italic.ttf ttf/DejaVuSerif-BoldItalic.ttf"
  # jsQR: the scanner's QR decoder for browsers without the native BarcodeDetector.
  "jsqr 1.4.0 jsqr dist/jsQR.js"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
versions=static/vendor/VERSIONS
{
  echo "# Vendored browser libraries and fonts: written by scripts/vendor-refresh.sh, do not edit by hand."
  echo "# package version licence folder sha256(file) file"
} >"$versions.tmp"

for entry in "${PACKAGES[@]}"; do
  read -r name version folder files <<<"$entry"
  echo "fetching $name@$version"
  (cd "$work" && npm pack --silent "$name@$version" >/dev/null)
  tarball=$(ls "$work"/*.tgz)
  mkdir -p "$work/x"
  tar -xzf "$tarball" -C "$work/x"
  licence=$(node -e "console.log(require('$work/x/package/package.json').license || 'UNKNOWN')")
  # VERSIONS is space-separated: a licence such as "SEE LICENSE IN README.md AND LICENSE"
  # (npm's form for a non-SPDX licence, used by dejavu-fonts-ttf) is kept as one word.
  licence=$(echo "$licence" | tr -s '[:space:]' '-' | sed 's/-$//')
  mkdir -p "static/vendor/$folder"
  for file in $files; do
    cp "$work/x/package/$file" "static/vendor/$folder/"
    sum=$(sha256sum "static/vendor/$folder/$(basename "$file")" | cut -d' ' -f1)
    echo "$name $version $licence $folder $sum $(basename "$file")" >>"$versions.tmp"
  done
  copied=""
  for lic in LICENSE LICENSE.md LICENSE.txt license LICENCE LICENCE.md LICENCE.txt COPYING COPYING.txt OFL.txt; do
    if [ -f "$work/x/package/$lic" ]; then
      cp "$work/x/package/$lic" "static/vendor/$folder/LICENSE"
      copied=yes
      break
    fi
  done
  if [ -z "$copied" ]; then echo "no licence file found in $name@$version" >&2; exit 1; fi
  rm -rf "$work/x" "$tarball"
done
mv "$versions.tmp" "$versions"
echo "wrote $versions"
