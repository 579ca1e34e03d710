#!/usr/bin/env bash
# Action step 1: decides where exportdb comes from. A version (the input, or the vX.Y.Z tag the
# action is pinned to) means a release download; any other pin (a branch, a commit, a local
# `uses: ./`) means building the action's own source, which needs Go.
# In: INPUT_VERSION, ACTION_REF. Out ($GITHUB_OUTPUT): from=release|source, version.
set -euo pipefail
version=${INPUT_VERSION#v}
if [ -z "$version" ] && [[ ${ACTION_REF:-} =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]]; then
  version=${ACTION_REF#v}
fi
if [ -n "$version" ]; then
  if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]]; then
    echo "::error::exportdb action: version '$INPUT_VERSION' is not a release version such as 0.3.0"
    exit 2
  fi
  echo "from=release" >>"$GITHUB_OUTPUT"
  echo "version=$version" >>"$GITHUB_OUTPUT"
  echo "exportdb $version from the release archives"
else
  echo "from=source" >>"$GITHUB_OUTPUT"
  echo "version=" >>"$GITHUB_OUTPUT"
  echo "exportdb built from the action's source (${ACTION_REF:-local}); set the version input to use a release"
fi
