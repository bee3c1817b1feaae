#!/bin/sh
# Stand-in for convert -swirl: $1 degrees, from $2 to $3.
sed "s/^/swirl $1: /" "$2" > "$3"
