#!/bin/sh
# shellcheck shell=sh
#
# /init of the test guest (busybox sh).  Packed into the initramfs by
# tools/vm/lib.sh together with /etc/rig.env, the modules in /mod (load
# order in /mod/order), the test programs in /tests and the demo in /demo.
#
# The phase comes from the kernel command line: a word "phase=X" without a
# dot is handed to /init as an environment variable.
#   phase=check  load the modules, dump KUnit results (debug kernel), run
#                every program in /tests, unload, scan for leaks
#   phase=run    load the modules, run the demo on the console, unload
#   phase=shell  load the modules and give the console a shell; unload on
#                exit
#   phase=bench  like check, for the programs in /bench, without the leak
#                scan
#   phase=deb    the Debian package's test (tools/vm/check-deb.sh): no
#                module in /mod, but the ones DKMS built in /lib/modules
#                with depmod's data, and kmod; make the static nodes,
#                check that opening /dev/iommu loads iommufd and that
#                loading vfio-pci brings iommufd_vfio (the package's
#                modprobe.d example), run /tests, unload
#
# Results go to ttyS1 (the "results port"), framed by markers the host's
# judge (tools/vm/judge.sh) parses:
#   @@@ BEGIN kernel=K phase=P
#   @@@ SUITE K:kind:name ... @@@ RC n
#   @@@ INSMOD/RMMOD name rc=n, @@@ TAINT before|after n, @@@ DEBUG_LOCKS n
#   @@@ END rc=n          (always last; its absence means the run broke)
# Then qexit leaves QEMU with status (rc << 1) | 1.
#
# Keep the words the judge looks for on the console (bug and warning
# markers, "not ok") out of the messages printed here.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
/bin/busybox --install -s

RIG_KERNEL=unknown
RIG_SUITE_TIMEOUT=1800
# shellcheck source=/dev/null
. /etc/rig.env
: "${phase:=check}"

mount -t proc proc /proc
mount -t sysfs sysfs /sys
grep -q ' /dev ' /proc/mounts || mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
if [ -d /sys/kernel/debug ]; then
	mount -t debugfs debugfs /sys/kernel/debug
fi

stty -F /dev/ttyS1 raw -echo
exec 3>/dev/ttyS1

# Overall status: 0 while everything passes.
rc=0
loaded=""

res() { printf '%s\n' "$*" >&3; }
# Console messages carry the guest uptime, to see where time goes.
say() { printf 'rig: [%s] %s\n' "$(cut -d' ' -f1 /proc/uptime)" "$*"; }
fail() { rc=1; say "$*"; }

taint() { res "@@@ TAINT $1 $(cat /proc/sys/kernel/tainted)"; }

# Guest uptime in hundredths of a second, for the suite durations.
now_cs() { awk '{ printf "%d", $1 * 100 }' /proc/uptime; }
cs_to_s() { awk -v cs="$1" 'BEGIN { printf "%d.%02d", cs / 100, cs % 100 }'; }

# Huge pages for the tests that want them; 64 x 2 MiB.
echo 64 >/proc/sys/vm/nr_hugepages 2>/dev/null
say "hugepages: $(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo none)"

load_modules() {
	while read -r ko; do
		insmod "/mod/$ko"
		r=$?
		res "@@@ INSMOD ${ko%.ko} rc=$r"
		if [ $r -ne 0 ]; then
			fail "insmod $ko failed ($r)"
			return 1
		fi
		loaded="${ko%.ko} $loaded"
	done </mod/order
	return 0
}

# Unload in reverse load order ($loaded is kept reversed).
unload_modules() {
	for m in $loaded; do
		rmmod "$m"
		r=$?
		res "@@@ RMMOD $m rc=$r"
		[ $r -eq 0 ] || fail "rmmod $m failed ($r)"
	done
	loaded=""
}

# The VFIO tests (selftest/vfio_type1.c) drive QEMU's edu device
# (1234:11e8) through vfio-pci. The VM has no interrupt remapping
# (intel-iommu,intremap=off), so neither VFIO backend attaches a group
# unless told to allow unsafe interrupts: tell both. iommufd's parameter
# exists only once it has a real-device provider; tests that change
# these put them back. Problems are reported, not fatal: the VFIO tests
# fail by themselves without the device.
setup_vfio() {
	for p in /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts \
		/sys/module/iommufd/parameters/allow_unsafe_interrupts; do
		if [ -w "$p" ]; then
			echo 1 >"$p" || say "cannot write $p"
		fi
	done
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1234 ] || continue
		[ "$(cat "$d/device")" = 0x11e8 ] || continue
		bdf=${d##*/}
		if [ -e "$d/driver" ]; then
			echo "$bdf" >"$d/driver/unbind"
		fi
		echo vfio-pci >"$d/driver_override"
		echo "$bdf" >/sys/bus/pci/drivers_probe
		if [ -e "/sys/bus/pci/drivers/vfio-pci/$bdf" ]; then
			g=$(readlink "$d/iommu_group")
			say "edu $bdf bound to vfio-pci, iommu group ${g##*/}"
		else
			say "edu $bdf: binding to vfio-pci did not take"
		fi
	done
}

# KUnit suites in a module run at insmod; their debugfs copy disappears at
# rmmod, so collect them while the module is loaded.
dump_kunit() {
	[ -d /sys/kernel/debug/kunit ] || return 0
	for d in /sys/kernel/debug/kunit/*/; do
		[ -f "$d/results" ] || continue
		s=$(basename "$d")
		res "@@@ SUITE $RIG_KERNEL:kunit:$s"
		cat "$d/results" >&3
		res "@@@ RC 0"
	done
}

# run_suites DIR: every executable in DIR is one TAP suite.
run_suites() {
	for t in "$1"/*; do
		if [ ! -f "$t" ] || [ ! -x "$t" ]; then
			continue
		fi
		s=$(basename "$t")
		say "suite $s"
		res "@@@ SUITE $RIG_KERNEL:kselftest:$s"
		t0=$(now_cs)
		(cd /tmp && timeout -s KILL "$RIG_SUITE_TIMEOUT" "$t") \
			</dev/null >&3 2>&1
		r=$?
		d=$(cs_to_s $(($(now_cs) - t0)))
		res "@@@ RC $r"
		res "@@@ TIME $s $d"
		say "suite $s took $d s, exit $r"
		# 4 is KSFT_SKIP: the whole suite skipped itself.
		[ $r -eq 0 ] || [ $r -eq 4 ] || fail "suite $s exited $r"
	done
}

# Two scans with a pause: a fresh object is too young to be reported by
# the first one.
scan_leaks() {
	kl=/sys/kernel/debug/kmemleak
	[ -w $kl ] || return 0
	say "scanning for leaks"
	echo scan >$kl
	sleep 5
	echo scan >$kl
	cat $kl
}

report_lockdep() {
	[ -r /proc/lockdep_stats ] || return 0
	n=$(sed -n 's/^ *debug_locks: *//p' /proc/lockdep_stats)
	say "debug_locks: $n"
	res "@@@ DEBUG_LOCKS $n"
}

finish() {
	res "@@@ END rc=$rc"
	say "done, rc=$rc"
	qexit "$rc"
	# Only reached without the isa-debug-exit device.
	poweroff -f
}

# tap DESCRIPTION COMMAND...: one TAP case of the current shell suite.
tap() {
	tap_desc=$1
	shift
	tap_n=$((tap_n + 1))
	if "$@"; then
		res "ok $tap_n $tap_desc"
	else
		res "not ok $tap_n $tap_desc"
		tap_rc=1
		fail "check $tap_n failed: $tap_desc"
	fi
}

# The node each line of kmod's tmpfiles output asks for, made the way
# systemd-tmpfiles does at boot (kmod-static-nodes.service), e.g.
# "c! /dev/iommu 0600 - - - 10:243".
make_static_nodes() {
	kmod static-nodes --format=tmpfiles --output=/tmp/static-nodes ||
		return 1
	while read -r type path mode _ _ _ majmin; do
		case $type in
		c*) t=c ;;
		b*) t=b ;;
		*) continue ;;
		esac
		[ -e "$path" ] && continue
		mkdir -p "${path%/*}"
		mknod -m "$mode" "$path" "$t" "${majmin%:*}" "${majmin#*:}" ||
			return 1
	done </tmp/static-nodes
}

# kmod's tools, by path: busybox's shell runs its own applets of the same
# names before anything in $PATH.
KMOD=/usr/lib/rig-kmod

# The minor of iommufd's char-major-10-N alias.
iommufd_minor() {
	$KMOD/modinfo -F alias iommufd | sed -n 's/^char-major-10-//p'
}

devname_listed() {
	m=$(iommufd_minor)
	[ -n "$m" ] &&
		grep -qx "iommufd iommu c10:$m" "/lib/modules/$(uname -r)/modules.devname"
}

node_is_iommufd() {
	[ -c /dev/iommu ] &&
		[ "$(stat -c %t:%T /dev/iommu)" = "a:$(printf %x "$(iommufd_minor)")" ]
}

# Both modules resolve to the files DKMS installed.
both_from_dkms() {
	for m in iommufd iommufd_vfio; do
		$KMOD/modinfo -n "$m" | grep -q "/updates/dkms/$m\.ko\$" || return 1
	done
}

# Open and close it; the module must load on the way.
open_iommu() {
	: <>/dev/iommu
}

deb_checks() {
	tap_n=0
	tap_rc=0
	res "@@@ SUITE $RIG_KERNEL:deb:ondemand"
	res "1..9"
	tap "iommufd and iommufd_vfio come from updates/dkms" both_from_dkms
	tap "modules.devname lists /dev/iommu at iommufd's alias minor" \
		devname_listed
	tap "kmod static-nodes makes the nodes" make_static_nodes
	tap "/dev/iommu is iommufd's node" node_is_iommufd
	tap "iommufd is not loaded before /dev/iommu is opened" \
		test ! -e /sys/module/iommufd
	tap "opening /dev/iommu succeeds" open_iommu
	tap "the open loaded iommufd" test -d /sys/module/iommufd
	tap "iommufd_vfio is not loaded before vfio-pci" \
		test ! -e /sys/module/iommufd_vfio
	$KMOD/modprobe vfio-pci
	tap "modprobe vfio-pci loads iommufd_vfio after type1 (modprobe.d example)" \
		test -d /sys/module/iommufd_vfio -a -d /sys/module/vfio_iommu_type1
	res "@@@ RC $tap_rc"
	# unload_modules' order: iommufd_vfio holds iommufd.
	loaded="iommufd_vfio iommufd"
}

res "@@@ BEGIN kernel=$RIG_KERNEL phase=$phase"
taint before

case $phase in
check | bench)
	if load_modules; then
		setup_vfio
		dump_kunit
		if [ "$phase" = check ]; then
			run_suites /tests
		else
			run_suites /bench
		fi
	fi
	unload_modules
	[ "$phase" = check ] && scan_leaks
	;;
run)
	if load_modules; then
		setup_vfio
		if [ -x /demo/iommufd-demo ]; then
			/demo/iommufd-demo </dev/null 2>&1
			r=$?
			res "@@@ DEMO rc=$r"
			[ $r -eq 0 ] || fail "demo exited $r"
		else
			fail "no demo in the image"
		fi
	fi
	unload_modules
	;;
deb)
	# The kernel's module requests (misc_open()'s) go to kmod as well.
	echo $KMOD/modprobe >/proc/sys/kernel/modprobe
	deb_checks
	setup_vfio
	run_suites /tests
	unload_modules
	;;
shell)
	load_modules && setup_vfio
	say "loaded (unload order): ${loaded% }; exit the shell to unload and power off"
	setsid cttyhack sh
	unload_modules
	;;
*)
	fail "unknown phase '$phase'"
	;;
esac

report_lockdep
taint after
finish
