#!/bin/sh
# Install the Debian packages named as arguments when they are missing.
# As root it runs apt-get; otherwise it prints the exact command to run and
# exits 1, so that the caller decides whether it can go on without them.
missing=""
for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ]; then
    echo "Installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
    echo "Missing Debian packages:$missing"
    echo "Install them as root with:"
    echo "    sudo apt-get install -y$missing"
    exit 1
fi
