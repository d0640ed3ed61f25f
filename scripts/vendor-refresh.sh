#!/usr/bin/env bash
# Refresh the browser libraries vendored under static/vendor/ from the npm registry.
# Each line of PACKAGES is: npm package, exact version, target folder, files to copy
# (paths inside the package). The licence file is copied too and VERSIONS is rewritten.
# Usage: scripts/vendor-refresh.sh            (needs npm and the registry)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  "htmx.org 2.0.11 htmx dist/htmx.min.js"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
versions=static/vendor/VERSIONS
{
  echo "# Vendored browser libraries: written by scripts/vendor-refresh.sh, do not edit by hand."
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
  mkdir -p "static/vendor/$folder"
  for file in $files; do
    cp "$work/x/package/$file" "static/vendor/$folder/"
    sum=$(sha256sum "static/vendor/$folder/$(basename "$file")" | cut -d' ' -f1)
    echo "$name $version $licence $folder $sum $(basename "$file")" >>"$versions.tmp"
  done
  for lic in LICENSE LICENSE.md LICENSE.txt license; do
    if [ -f "$work/x/package/$lic" ]; then cp "$work/x/package/$lic" "static/vendor/$folder/LICENSE"; break; fi
  done
  rm -rf "$work/x" "$tarball"
done
mv "$versions.tmp" "$versions"
echo "wrote $versions"
