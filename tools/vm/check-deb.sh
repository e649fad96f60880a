#!/usr/bin/env bash
#
# check-deb.sh - `make check-deb`: test the Debian package the way a
# Debian 12 user gets it.  Builds iommufd-dkms (make deb), installs it on
# this machine, has DKMS build the modules for the stock 6.1 kernel (as
# the kernel package's postinst hook does), checks `dkms status`, what
# DKMS installed and that udev takes its rule, then boots the stock
# kernel with those modules only (none of the tree's own build) and
# depmod's data for them:
# /init (phase=deb) makes the static nodes with kmod, checks that opening
# /dev/iommu loads iommufd and that the package's modprobe.d example
# brings in iommufd_vfio, and runs iommufd_smoke.  Last, removes the
# package and checks that the modules went with it.
#
# It installs and removes iommufd-dkms on the host: a copy installed
# before is purged first.  Prints PASS/FAIL lines and ends with
# "N passed, N failed, N skipped".  Logs: .build/deb/*.log and
# .build/logs/deb.*.  VM_MEM, VM_TIMEOUT and SUITE_TIMEOUT work as for
# check.sh.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The VM's test programs: only those that need nothing of the test build
# (vfio_type1's mdev tests need the sample drivers).
DEB_TESTS=(iommufd_smoke)

start=$SECONDS
passed=0 failed=0 skipped=0
summary_done=0
installed=0
counts=$(mktemp)

remove_package() {
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq iommufd-dkms \
		>>"$BUILD/deb/remove.log" 2>&1
}

on_exit() {
	rm -f "$counts"
	# Never leave the package behind on a step that died.
	if ((installed)); then
		remove_package || true
	fi
	((summary_done)) ||
		echo "$passed passed, $((failed + 1)) failed, $skipped skipped"
}
trap on_exit EXIT

skip() { printf 'SKIP deb %s\n' "$*"; skipped=$((skipped + 1)); }
ok() { printf 'PASS deb %s\n' "$*"; passed=$((passed + 1)); }
bad() { printf 'FAIL deb %s\n' "$*"; failed=$((failed + 1)); }
# check DESCRIPTION COMMAND...: one host-side check.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

# Host-side checks, each true or false.
ships_dkms_conf() { grep -qx "./usr/src/iommufd-$DEB_VERSION/dkms.conf" <<<"$pkg_files"; }
ships_no_test_code() {
	! grep -E "/(selftest/.*|mock|sva_mock|rig_fault)\.c\$" <<<"$pkg_files"
}
ships_system_files() {
	grep -qx "./lib/udev/rules.d/60-iommufd.rules" <<<"$pkg_files" &&
		grep -qE "^./usr/share/doc/iommufd-dkms/examples/iommufd-vfio.conf" \
			<<<"$pkg_files"
}
dkms_installed() {
	grep -qE "^iommufd/$DEB_VERSION, $rel, [^:]*: installed" <<<"$status"
}
# None of what the test build's selftest/ objects define: the test
# ioctl's handler, fault injection, the mock IOMMU, KUnit suites.
built_without_tests() {
	! nm --defined-only "$dkms_dir/iommufd.ko" | awk '{ print $3 }' |
		grep -E '^(iommufd_test|iommufd_selftest_.*|iommufd_should_fail)$|mock|kunit'
}
devname_listed() {
	grep -qE '^iommufd iommu c10:[0-9]+$' "/lib/modules/$rel/modules.devname"
}
devname_gone() { ! grep -q '^iommufd ' "/lib/modules/$rel/modules.devname"; }
modprobe_finds_dkms() {
	[[ $(modprobe -S "$rel" --show-depends iommufd) == "insmod $dkms_dir/iommufd.ko"* ]]
}
# udev reads the package's rule without a complaint (bad key, unknown
# group): a dry run of the rules on any misc device.
# (It names /lib/udev as /usr/lib/udev on a merged-/usr system.)
udev_rule_parses() {
	local out

	out=$(udevadm test --action=add "$1" 2>&1) || return 1
	grep -qE '^Reading rules file: (/usr)?/lib/udev/rules.d/60-iommufd.rules$' \
		<<<"$out" && ! grep -F "/60-iommufd.rules:" <<<"$out"
}
dkms_forgot() { ! dkms status -m iommufd 2>/dev/null | grep -q .; }

log "packages"
ensure_packages "${RIG_PACKAGES[@]}" "${DEB_PACKAGES[@]}"
find_stock_kernel
rel=$STOCK_RELEASE
dkms_dir=/lib/modules/$rel/updates/dkms

log "make deb"
build_deb
log "built $DEB_FILE"
pkg_files=$(dpkg-deb -c "$DEB_FILE" | awk '{ print $6 }')
check "package ships dkms.conf and the sources" ships_dkms_conf
check "package ships no test code (mock, selftests, sample drivers)" \
	ships_no_test_code
check "package ships the udev rule and the modprobe.d example" \
	ships_system_files

if dpkg-query -W -f='${db:Status-Status}' iommufd-dkms 2>/dev/null |
	grep -qx installed; then
	log "purging the iommufd-dkms installed before"
	remove_package
fi

log "install"
mkdir -p "$BUILD/deb"
installed=1
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends "$DEB_FILE" >"$BUILD/deb/install.log" 2>&1; then
	tail -n 40 "$BUILD/deb/install.log" >&2
	bad "apt-get install $DEB_FILE (see $BUILD/deb/install.log)"
	exit 1
fi
# The package's postinst builds for the running kernel and the newest
# one; this machine may run another kernel, so do what the hook of a
# newly installed kernel package does.
if ! /etc/kernel/postinst.d/dkms "$rel" >"$BUILD/deb/autoinstall.log" 2>&1; then
	tail -n 40 "$BUILD/deb/autoinstall.log" >&2
	bad "dkms autoinstall for $rel (see $BUILD/deb/autoinstall.log)"
fi
status=$(dkms status -m iommufd -v "$DEB_VERSION" -k "$rel" 2>&1 || true)
log "dkms status: $status"
check "dkms status: iommufd/$DEB_VERSION installed for $rel" dkms_installed
for m in iommufd iommufd_vfio; do
	check "DKMS installed $dkms_dir/$m.ko" test -f "$dkms_dir/$m.ko"
done
check "the DKMS build has no test code" built_without_tests
check "depmod data: modules.devname lists /dev/iommu" devname_listed
check "modprobe finds the DKMS iommufd" modprobe_finds_dkms
misc_dev=$(find /sys/class/misc -mindepth 1 -maxdepth 1 | head -n 1)
if ! command -v udevadm >/dev/null || [[ -z $misc_dev ]]; then
	skip "udev parses 60-iommufd.rules (no udevadm or no misc device here)"
else
	check "udev parses 60-iommufd.rules" udev_rule_parses "$misc_dev"
fi

log "deb VM"
modroot=$BUILD/deb/modroot
stage_dkms_tree "$modroot" "$rel"
mkdir -p "$modroot/etc/modprobe.d"
zcat -f /usr/share/doc/iommufd-dkms/examples/iommufd-vfio.conf* \
	>"$modroot/etc/modprobe.d/iommufd-vfio.conf"
build_qexit
ensure_debug_kernel
build_tests "$DEBUG_KDIR" || bad "build selftest"
RIG_MODROOT=$modroot make_initramfs deb deb "${DEB_TESTS[@]}"
run_vm deb "$STOCK_BZIMAGE" deb
JUDGE_COUNTS=$counts "$RIG_DIR/judge.sh" deb "$LOGS/deb" "$QEMU_RC" || true
# A judge that died before counting still fails.
[[ -s $counts ]] || bad "judge: no verdict (see the lines above)"
while read -r p f s; do
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done <"$counts"

log "remove"
if remove_package; then
	installed=0
	ok "apt-get purge iommufd-dkms"
else
	bad "apt-get purge iommufd-dkms (see $BUILD/deb/remove.log)"
fi
for m in iommufd iommufd_vfio; do
	check "removal took $dkms_dir/$m.ko" test ! -e "$dkms_dir/$m.ko"
done
check "removal took iommufd out of modules.devname" devname_gone
check "dkms status lists no iommufd" dkms_forgot
check "removal took /usr/src/iommufd-$DEB_VERSION" \
	test ! -e "/usr/src/iommufd-$DEB_VERSION"

log "total $(elapsed "$start")"
echo "$passed passed, $failed failed, $skipped skipped"
summary_done=1
((failed == 0))
