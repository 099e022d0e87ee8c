#!/usr/bin/env bash
# Runs Stryker over each mutation scope in turn (stryker.scopes.mjs), or over the scopes named as arguments:
#   npm run test:mutation              # policy, then guards
#   npm run test:mutation -- guards    # one scope
# Some tests read ../shared (the client contract and the policy text) relative to the repository; Stryker runs them
# in .stryker-tmp/sandbox-*/, so .stryker-tmp/shared points where ../shared does.
set -euo pipefail
cd "$(dirname "$0")/.."
scopes=("$@")
[ ${#scopes[@]} -gt 0 ] || scopes=(policy guards)
mkdir -p .stryker-tmp
[ -e ../shared ] && ln -sfn ../../shared .stryker-tmp/shared
for scope in "${scopes[@]}"; do
  echo "=== Mutation testing: $scope"
  MUTATION_SCOPE="$scope" npx stryker run stryker.config.mjs
done
