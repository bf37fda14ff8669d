#!/usr/bin/env bash
# Commit and push data.db, and the docs generated from it, if it changed; the
# commit message is the first argument. Run by the refresh workflow after
# every step that may have paid for something.
set -euo pipefail
if git diff --quiet -- data.db; then
  echo "data.db is unchanged"
  exit 0
fi
git config user.name "worklens refresh"
git config user.email "worklens-refresh@users.noreply.github.com"
python docs/generate.py
git add data.db docs
git commit -q -m "$1"
git push -q
echo "committed data.db: $1"
