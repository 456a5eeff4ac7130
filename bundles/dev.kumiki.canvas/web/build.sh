#!/usr/bin/env bash
# Builds the canvas (TypeScript, React Flow) into ../target/classes/web with the project's own npm packages
# (package-lock.json); run by the Maven build. Skips work that is already done.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm > /dev/null || { echo "the canvas needs Node.js 20 or newer, with npm" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { echo "the canvas needs Node.js 20 or newer (Vite 7); this is $(node --version)" >&2; exit 1; }
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    # `npm ci` installs exactly what the committed lock pins and never writes the lock, so a build leaves the
    # checkout as it was (`npm install` would rewrite it). The lock lists every platform's optional packages
    # (rollup's native binaries), as npm itself writes them; regenerate it with `npm install` after changing
    # package.json and commit the result.
    npm ci --no-audit --no-fund --loglevel=error
fi
out=../target/classes/web/index.html
if [ -f "$out" ] && [ -z "$(find src index.html vite.config.ts tsconfig.json package-lock.json -newer "$out" -print -quit)" ]; then
    echo "canvas: up to date"
    exit 0
fi
npx --no-install tsc --noEmit
npx --no-install vite build --logLevel warn
echo "canvas: built into target/classes/web"
