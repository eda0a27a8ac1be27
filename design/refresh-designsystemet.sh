#!/bin/sh
# Rebuilds app/static/vendor/designsystemet/ from npm: the component CSS as published
# (@digdir/designsystemet-css) and a theme in Malmö stad's colours made by Designsystemet's
# own token CLI from design/designsystemet.config.json. The output is committed, so
# `make demo` and the app never need npm; run this (`make studio-css`) to take a new version.
set -eu
cd "$(dirname "$0")/.."
CLI_VERSION=1.15.0
out=app/static/vendor/designsystemet
tokens=build/design-tokens
npm ci --no-audit --no-fund --loglevel=error
css=node_modules/@digdir/designsystemet-css
run_cli() {
	npm exec --yes --package="@digdir/designsystemet@$CLI_VERSION" -- designsystemet "$@"
}
rm -rf "$tokens" build/design-tokens-css
run_cli tokens create --config design/designsystemet.config.json --out-dir "$tokens" >/dev/null
run_cli tokens build --config design/designsystemet.config.json --tokens "$tokens" \
	--out-dir build/design-tokens-css >/dev/null
mkdir -p "$out"
cp "$css/dist/src/index.css" "$out/designsystemet.css"
cp build/design-tokens-css/malmo.css "$out/theme-malmo.css"
cp "$css/LICENSE" "$out/LICENSE"
css_version=$(node -p "require('./$css/package.json').version")
cat > "$out/VERSION" <<VERSION
@digdir/designsystemet-css $css_version (MIT, see LICENSE): designsystemet.css is its dist/src/index.css.
@digdir/designsystemet $CLI_VERSION (MIT): theme-malmo.css is \`designsystemet tokens create\` + \`tokens build\`
from design/designsystemet.config.json (Malmö stad's colours). Refresh with \`make studio-css\`.
VERSION
echo "Designsystemet $css_version and the Malmö theme are in $out"
