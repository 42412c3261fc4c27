#!/bin/sh
# Install what moat needs to build and test on Debian 12 (apt-get, non-interactive).
# Safe to run again: apt-get skips what is already installed.
set -eu
PACKAGES="build-essential autoconf automake pkg-config
libssl-dev libevent-dev libseccomp-dev libatf-dev atf-sh kyua
openssl gnutls-bin curl mandoc nginx haproxy
valgrind strace systemd
chromium firefox-esr libnss3-tools"
missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	# Only installing needs root: with everything present, a normal user goes straight on.
	SUDO=
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 || { echo "install-deps: missing$missing; run as root or install sudo" >&2; exit 1; }
		SUDO=sudo
	fi
	echo "install-deps: installing$missing"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
