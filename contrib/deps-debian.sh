#!/bin/sh
# Installs every build, test and runtime dependency of chabar on Debian 12.
# Idempotent: apt-get skips what is already installed. Run as root (or with
# sudo available). Package names are the single source for what chabar needs.
set -eu

packages="
  build-essential autoconf automake libtool pkg-config
  libev-dev libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev
  libpcre2-dev libinih-dev libsodium-dev libgettextpo-dev
  sqlite3 curl wrk clang-format clang-14 libclang-rt-14-dev tzdata groff-base
  kannel kannel-extras gettext tmux
  debhelper lintian systemd
  postgresql-15 libpq-dev
"
# node and npm run the SMPP SMSC peer of the USSD tests (tests/smpp: npm ci
# there).  Debian 12 has nodejs 18 and npm 9.  A nodejs from NodeSource
# already bundles npm and conflicts with Debian's npm package: then neither
# is asked for.
command -v npm >/dev/null 2>&1 || packages="$packages nodejs npm"

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing="$missing $p"
done

if [ -n "$missing" ]; then
  echo "deps-debian: installing:$missing"
  $sudo apt-get update -q
  # Kannel's postinst would start the system bearerbox (and wapbox) on the
  # default ports and enable them at boot. A policy-rc.d that answers 101
  # ("not allowed") keeps every package script from starting a service
  # while we install; ours is removed afterwards, one already there kept.
  policy=/usr/sbin/policy-rc.d
  made_policy=""
  if [ ! -e "$policy" ]; then
    made_policy=yes
    # removed however this ends: dash runs the EXIT trap on a signal only
    # when the signal's own trap exits
    trap '[ -z "$made_policy" ] || $sudo rm -f "$policy"' EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
    printf '#!/bin/sh\n# deps-debian.sh: no service starts while it installs\nexit 101\n' |
      $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
  fi
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -q --no-install-recommends $missing
  case " $missing " in
  *" kannel "*)
    # chabar runs its own bearerbox and smsbox (contrib/kannel.conf): the
    # system's stays off at boot too.
    if [ -d /run/systemd/system ]; then $sudo systemctl disable --now kannel >/dev/null 2>&1 || true; fi
    $sudo update-rc.d -f kannel disable >/dev/null 2>&1 || true
    ;;
  esac
  case " $missing " in
  *" postgresql-15 "*)
    # the tests start their own clusters (tests/lib/pg.sh); the system's
    # default one stays off at boot
    if [ -d /run/systemd/system ]; then $sudo systemctl disable --now postgresql >/dev/null 2>&1 || true; fi
    $sudo update-rc.d -f postgresql disable >/dev/null 2>&1 || true
    ;;
  esac
else
  echo "deps-debian: all dependencies present"
fi

# The SMPP peer's npm package, from its lock file (the npm registry; the
# cache it leaves lets tests install it again offline).
peer_dir=$(cd "$(dirname "$0")/../tests/smpp" && pwd)
if [ ! -f "$peer_dir/node_modules/smpp/package.json" ]; then
  echo "deps-debian: npm ci in tests/smpp"
  (cd "$peer_dir" && npm ci --no-audit --no-fund)
fi
