#!/usr/bin/env bash
# Action step 3: runs `exportdb check` on the paths, writing SARIF for code scanning and,
# when asked, workflow annotations. Findings do not fail this step (the SARIF upload comes
# first); the action's last step fails on exit-code 1. An error (status 2) fails it here.
# In: EXPORTDB_PATHS, EXPORTDB_ARGS, EXPORTDB_SARIF, EXPORTDB_SARIF_FILE, EXPORTDB_ANNOTATIONS.
# Out ($GITHUB_OUTPUT): exit-code, sarif-file.
set -uo pipefail
read -r -a paths <<<"${EXPORTDB_PATHS:-.}"
read -r -a args <<<"${EXPORTDB_ARGS:-}"
[ ${#paths[@]} -gt 0 ] || paths=(.)
sarif=
if [ "${EXPORTDB_SARIF:-true}" = true ]; then
  sarif=${EXPORTDB_SARIF_FILE:-exportdb.sarif}
  exportdb check "${args[@]}" --quiet --format sarif --output-file "$sarif" "${paths[@]}"
  code=$?
fi
if [ "${EXPORTDB_ANNOTATIONS:-true}" = true ]; then
  exportdb check "${args[@]}" --format github "${paths[@]}"
  code=$?
elif [ -z "$sarif" ]; then
  exportdb check "${args[@]}" "${paths[@]}"
  code=$?
fi
[ -n "$sarif" ] && [ ! -s "$sarif" ] && sarif=
{
  echo "exit-code=$code"
  echo "sarif-file=$sarif"
} >>"$GITHUB_OUTPUT"
if [ "$code" -gt 1 ]; then
  echo "::error::exportdb check failed with status $code (a usage, configuration or I/O error)"
  exit "$code"
fi
exit 0
