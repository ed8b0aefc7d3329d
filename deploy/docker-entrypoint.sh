#!/bin/sh
# Entry point of the vnfm image. The first argument names a package.json
# script (start:api, start:monitor, start:conductor, db:migrate, vnfm); a
# script of the form `tsx <file>` runs as `node --import tsx <file> <args>`,
# so no npm or tsx wrapper process sits between tini and vnfm (signals reach
# vnfm directly, and there is one process less). Other scripts run through
# npm; anything that is not a script name runs as given (e.g. `sh`).
set -eu
cd "$(dirname "$0")/.."

if [ "$#" -gt 0 ]; then
  script=$(node -e 'const s = require("./package.json").scripts ?? {};
    if (Object.hasOwn(s, process.argv[1])) process.stdout.write(s[process.argv[1]]);' "$1")
  case "$script" in
    "tsx "*)
      shift
      # The script's words are its arguments (no quoting in package.json).
      # shellcheck disable=SC2086
      set -- node --import tsx ${script#tsx } "$@"
      ;;
    ?*)
      name=$1
      shift
      set -- npm run --silent "$name" -- "$@"
      ;;
  esac
fi
exec "$@"
