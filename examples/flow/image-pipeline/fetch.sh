#!/bin/sh
# Stand-in for curl: "downloads" the image.
echo "capitol image" > "$1"
