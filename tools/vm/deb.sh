#!/usr/bin/env bash
#
# deb.sh - `make deb`: build the Debian package iommufd-dkms (and the
# source package) from a clean copy of the sources with dpkg-buildpackage,
# into .build/deb/.  Installs debhelper, dh-dkms and dkms if missing.
# The package ships the sources of the production build (no test code)
# and dkms.conf; see debian/rules.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_packages "${DEB_PACKAGES[@]}"
build_deb
log "built $DEB_FILE"
echo "$DEB_FILE"
