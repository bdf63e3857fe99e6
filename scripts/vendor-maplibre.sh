#!/usr/bin/env bash
# vendor-maplibre.sh refreshes the MapLibre GL JS build embedded in the map
# page (server/web/vendor/): it packs the pinned release from the npm
# registry into a temporary directory and copies its UMD bundle, stylesheet
# and licence, with the version in VERSION. The map page never loads
# anything from a CDN, so it works offline.
#
#	scripts/vendor-maplibre.sh            # the pinned version
#	scripts/vendor-maplibre.sh 5.24.1     # another 5.x release
#
# MapLibre 6 ships ES modules instead of dist/maplibre-gl.js; moving to it
# needs changes to server/web/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-5.24.1}"
dest=server/web/vendor
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "maplibre-gl@$version" >/dev/null)
tar -xzf "$tmp"/maplibre-gl-*.tgz -C "$tmp"
pkg="$tmp/package"
got="$(node -p "require('$pkg/package.json').version" 2>/dev/null || sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pkg/package.json" | head -1)"
if [ "$got" != "$version" ]; then
	echo "vendor-maplibre: npm gave version $got, wanted $version" >&2
	exit 1
fi
for f in dist/maplibre-gl.js dist/maplibre-gl.css LICENSE.txt; do
	if [ ! -f "$pkg/$f" ]; then
		echo "vendor-maplibre: $f missing from maplibre-gl@$version" >&2
		exit 1
	fi
done
mkdir -p "$dest"
cp "$pkg/dist/maplibre-gl.js" "$pkg/dist/maplibre-gl.css" "$pkg/LICENSE.txt" "$dest/"
# The source map is not vendored: drop the comment that points to it, so
# that developer tools do not ask the server for it.
sed -i '/^\/\/# sourceMappingURL=/d' "$dest/maplibre-gl.js"
echo "$version" >"$dest/VERSION"
echo "vendored maplibre-gl $version into $dest:"
ls -l "$dest"
