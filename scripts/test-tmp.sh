#!/bin/sh
# Prints a folder on a RAM disk for the tests' temporary files, when /dev/shm has at least
# 2 GiB free; prints nothing otherwise (the tests then use the usual temporary folder).
dir=/dev/shm/checkin-tests-$(id -u)
free_kb=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
[ -n "$free_kb" ] && [ "$free_kb" -ge 2097152 ] || exit 0
mkdir -p "$dir" && chmod 700 "$dir" && echo "$dir"
