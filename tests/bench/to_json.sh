#!/bin/sh
# to_json.sh FILE: turn "bench: NAME VALUE UNIT" lines into one JSON object.
set -eu
awk 'BEGIN { printf "{"; n = 0 }
     $1 == "bench:" && NF >= 3 {
         printf "%s\n  \"%s\": {\"value\": %s, \"unit\": \"%s\"}", (n++ ? "," : ""), $2, $3, $4
     }
     END { print "\n}" }' "$1"
