#!/usr/bin/env bash
# Runs Stryker over each mutation scope in turn (stryker.scopes.mjs), or over the scopes named as arguments:
#   npm run test:mutation              # policy, then guards
#   npm run test:mutation -- guards    # one scope
set -euo pipefail
cd "$(dirname "$0")/.."
scopes=("$@")
[ ${#scopes[@]} -gt 0 ] || scopes=(policy guards)
for scope in "${scopes[@]}"; do
  echo "=== Mutation testing: $scope"
  MUTATION_SCOPE="$scope" npx stryker run stryker.config.mjs
done
