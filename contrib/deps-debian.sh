#!/bin/sh
# Installs every build, test and runtime dependency of chabar on Debian 12.
# Idempotent: apt-get skips what is already installed. Run as root (or with
# sudo available). Package names are the single source for what chabar needs.
set -eu

packages="
  build-essential autoconf automake libtool pkg-config
  libev-dev libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev
  libpcre2-dev libinih-dev libsodium-dev libgettextpo-dev
  sqlite3 curl wrk clang-format clang-14 libclang-rt-14-dev
  kannel kannel-extras
"

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing="$missing $p"
done

if [ -n "$missing" ]; then
  echo "deps-debian: installing:$missing"
  $sudo apt-get update -q
  # Kannel's postinst would start the system bearerbox on the default ports;
  # policy-rc.d 101 keeps package scripts from starting services.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -q --no-install-recommends $missing
else
  echo "deps-debian: all dependencies present"
fi
