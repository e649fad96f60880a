# shellcheck shell=bash
# Variables set here are used by the scripts that source this file.
# shellcheck disable=SC2034
#
# Shared helpers for the QEMU test rig (check.sh, check-rig.sh, run.sh).
# Source it; do not run it.  Everything here runs on the host.
#
# Layout (all repo-local paths are under the gitignored .build/):
#   .build/<name>/mod/          copy of the sources + the built iommufd.ko
#   .build/<name>/initramfs*    guest root file system for one VM run
#   .build/tests/ .build/demo/  user programs (static, shared by all kernels)
#   .build/logs/<name>.*        console, results and qemu logs of a VM run
#   $IOMMUFD_CACHE/debug-<key>/ the debug kernel tree (outside the repo)
#
# Environment knobs shared by all entry points:
#   IOMMUFD_CACHE  where the debug kernel is cached
#                  (default ~/.cache/iommufd-6.1)
#   VM_MEM         guest memory (default 1G)
#   VM_TIMEOUT     host-side limit for one VM run in seconds (default 4800)
#   SUITE_TIMEOUT  guest-side limit for one test program (default 1800)

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$RIG_DIR/../.." && pwd)
BUILD="$REPO/.build"
LOGS="$BUILD/logs"
CACHE="${IOMMUFD_CACHE:-${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}/.cache/iommufd-6.1}"

VM_MEM="${VM_MEM:-1G}"
VM_TIMEOUT="${VM_TIMEOUT:-4800}"
SUITE_TIMEOUT="${SUITE_TIMEOUT:-1800}"

# Debian packages the rig needs on the host.
RIG_PACKAGES=(
	build-essential bc bison flex libelf-dev libssl-dev dwarves sparse
	cpio gzip xz-utils kmod git busybox-static qemu-system-x86
	linux-source-6.1 linux-image-amd64 linux-headers-amd64
)

# What `make deb` and `make check-deb` need besides: debhelper with the
# DKMS addon (dh-dkms is its own package in Debian 12) and dkms itself.
DEB_PACKAGES=(debhelper dh-dkms dkms dpkg-dev)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Print a duration given a start time taken with $SECONDS.
elapsed() { printf '%ds' $((SECONDS - $1)); }

# ensure_packages [PKG...]: install whichever of the packages (default:
# RIG_PACKAGES) are missing.  apt is not touched at all when everything is
# present, so a warm machine pays nothing.
ensure_packages() {
	local missing=() pkg status

	(($#)) || set -- "${RIG_PACKAGES[@]}"
	for pkg in "$@"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
		[[ $status == installed ]] || missing+=("$pkg")
	done
	((${#missing[@]})) || return 0

	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# One call, so linux-image-amd64 and linux-headers-amd64 resolve to the
	# same ABI.
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Find the newest installed Debian 6.1 kernel that has both an image and a
# build directory.  Sets STOCK_RELEASE, STOCK_KDIR and STOCK_BZIMAGE.  The
# ABI name changes with security updates, so it is never hard-coded.
find_stock_kernel() {
	local dir rel

	STOCK_RELEASE=
	while read -r dir; do
		[[ -d $dir ]] || continue
		rel=${dir#/lib/modules/}
		rel=${rel%/build}
		if [[ -f /boot/vmlinuz-$rel ]]; then
			STOCK_RELEASE=$rel
		fi
	done < <(printf '%s\n' /lib/modules/6.1.*/build | sort -V)

	[[ -n $STOCK_RELEASE ]] ||
		die "no 6.1 kernel with headers found (linux-image-amd64 + linux-headers-amd64)"
	STOCK_KDIR=/lib/modules/$STOCK_RELEASE/build
	STOCK_BZIMAGE=/boot/vmlinuz-$STOCK_RELEASE
	# The Debian image is root-only readable; qemu runs as the same user.
	[[ -r $STOCK_BZIMAGE ]] || die "$STOCK_BZIMAGE is not readable"
}

# --- Debug kernel ----------------------------------------------------------

# Build the debug kernel in $1/linux ($1 is an empty directory).  The
# code of this function is part of the cache key (debug_kernel_key), so
# editing it makes the next run rebuild.
build_debug_kernel_tree() {
	local dir=$1 fragment=$RIG_DIR/debug.config
	local src=$dir/linux line name dropped=()

	mkdir -p "$src"
	tar -xf /usr/src/linux-source-6.1.tar.xz -C "$src" --strip-components=1

	make -C "$src" -s tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$src" \
		"$src/.config" "$fragment" >/dev/null
	make -C "$src" -s olddefconfig

	# olddefconfig silently drops options whose dependencies are unmet.
	# Check every line of the fragment made it through.
	while read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF "$line" "$src/.config" || dropped+=("$line")
			;;
		"# CONFIG_"*" is not set")
			name=${line#\# }
			name=${name%% *}
			if grep -q "^$name=" "$src/.config"; then
				dropped+=("$line")
			fi
			;;
		esac
	done <"$fragment"
	if ((${#dropped[@]})); then
		printf 'debug.config: not honoured by olddefconfig (unmet dependencies?):\n' >&2
		printf '  %s\n' "${dropped[@]}" >&2
		return 1
	fi

	# "modules" too: it writes Module.symvers and scripts/module.lds, which
	# out-of-tree M= builds need.
	make -C "$src" -s -j"$(nproc)" bzImage modules
}

# The cache key: what the debug kernel is built from and how.  "declare
# -f" prints the function's code without its comments.
debug_kernel_key() {
	local srcver

	srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
	{
		cat "$RIG_DIR/debug.config"
		printf 'linux-source-6.1 %s\n' "$srcver"
		declare -f build_debug_kernel_tree
	} | sha256sum | cut -c1-16
}

# Each tree takes about 2 GB: keep only the two most recently built ones
# (say, for two branches with different fragments).  Called with the
# cache lock held.
prune_debug_kernels() {
	local old

	# ls -t: newest first, by the time the stamp was written.
	# shellcheck disable=SC2012
	ls -t "$CACHE"/debug-*/stamp 2>/dev/null | tail -n +3 |
		while read -r old; do
			log "removing old debug kernel ${old%/stamp}"
			rm -rf "${old%/stamp}"
		done
}

# Build or reuse the debug kernel.  Sets DEBUG_KDIR and DEBUG_BZIMAGE.
ensure_debug_kernel() {
	local key dir start

	key=$(debug_kernel_key)
	dir=$CACHE/debug-$key
	DEBUG_KDIR=$dir/linux
	DEBUG_BZIMAGE=$DEBUG_KDIR/arch/x86/boot/bzImage

	mkdir -p "$CACHE"
	# Serialise concurrent builders of the same cache.
	exec {lockfd}>"$CACHE/.lock"
	flock "$lockfd"

	if [[ ! -f $dir/stamp ]]; then
		log "building the debug kernel into $dir (takes minutes)"
		start=$SECONDS
		rm -rf "$dir"
		mkdir -p "$dir"
		if ! build_debug_kernel_tree "$dir" >"$dir/build.log" 2>&1; then
			tail -n 40 "$dir/build.log" >&2
			die "debug kernel build failed, see $dir/build.log"
		fi
		# Written last: its presence means the tree is complete.
		date -u +%FT%TZ >"$dir/stamp"
		log "debug kernel built in $(elapsed "$start")"
		prune_debug_kernels
	fi

	exec {lockfd}>&-
	[[ -f $DEBUG_BZIMAGE ]] || die "$DEBUG_BZIMAGE missing"
}

# --- Builds in the repo ----------------------------------------------------

# Copy the project's sources (tracked and untracked-but-not-ignored files)
# into $1, replacing whatever was there.
copy_sources() {
	local dest=$1

	rm -rf "$dest"
	mkdir -p "$dest"
	if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		# ls-files also lists deleted-but-tracked files; skip those.
		git -C "$REPO" ls-files -co --exclude-standard -z |
			while IFS= read -r -d '' f; do
				if [[ -e $REPO/$f || -L $REPO/$f ]]; then
					printf '%s\0' "$f"
				fi
			done |
			tar -C "$REPO" --null -T - -cf - |
			tar -C "$dest" -xf -
	else
		tar -C "$REPO" --exclude=./.build --exclude=./.git -cf - . |
			tar -C "$dest" -xf -
	fi
}

# build_module NAME KDIR [extra make args...]
# Builds .build/NAME/mod/iommufd.ko (plus whatever else the Makefile
# builds) from a fresh copy of the sources, with W=1.  Prints a FAIL line
# and returns 1 if make fails or no iommufd.ko appears, 2 if it built but
# printed warnings (compiler, sparse or modpost).  kbuild only reports
# warnings for files it compiles, hence the fresh copy every time.
build_module() {
	local name=$1 kdir=$2
	shift 2
	local dir=$BUILD/$name/mod out=$BUILD/$name/build.log

	copy_sources "$dir"
	if ! make -C "$dir" modules KDIR="$kdir" IOMMUFD_TEST=1 W=1 "$@" \
		>"$out" 2>&1 || [[ ! -f $dir/iommufd.ko ]]; then
		tail -n 40 "$out" >&2
		printf 'FAIL %s build: make failed, see %s\n' "$name" "$out"
		return 1
	fi
	# "error:" too: sparse reports errors without failing the build.
	if grep -qEi 'warning:|error:' "$out"; then
		grep -Ei 'warning:|error:' "$out" | head -n 20 | sed 's/^/    /'
		printf 'FAIL %s build: warnings, see %s\n' "$name" "$out"
		return 2
	fi
}

# --- The Debian package ----------------------------------------------------

# build_deb: build the source and binary packages from a fresh copy of
# the sources in .build/deb/ (so that no build output of the tree gets
# in), with Debian's tools only.  Sets DEB_VERSION and DEB_FILE.
build_deb() {
	local dir=$BUILD/deb src out

	DEB_VERSION=$(dpkg-parsechangelog -l "$REPO/debian/changelog" -SVersion)
	src=$dir/iommufd-$DEB_VERSION
	out=$dir/build.log
	rm -rf "$dir"
	mkdir -p "$dir"
	copy_sources "$src"
	if ! (cd "$src" && dpkg-buildpackage --build=full -us -uc) \
		>"$out" 2>&1; then
		tail -n 40 "$out" >&2
		die "dpkg-buildpackage failed, see $out"
	fi
	DEB_FILE=$dir/iommufd-dkms_${DEB_VERSION}_all.deb
	[[ -f $DEB_FILE ]] || die "no $DEB_FILE after dpkg-buildpackage"
}

# kmod in the guest: the real modprobe, modinfo and static-nodes, for
# the package's test (busybox's modprobe does not read modules.devname
# or modprobe.d softdeps).  With its libraries, at the paths ldd gives.
KMOD_BIN=/usr/bin/kmod
KMOD_TOOLS=(modprobe modinfo insmod rmmod lsmod depmod)

# pack_kmod ROOT: kmod as ROOT/usr/bin/kmod, its tools as links in
# ROOT/usr/lib/rig-kmod/ (not /sbin, which busybox's applets own).
pack_kmod() {
	local root=$1 lib t

	[[ -x $KMOD_BIN ]] || die "$KMOD_BIN missing (kmod)"
	mkdir -p "$root/usr/bin" "$root/usr/lib/rig-kmod"
	cp "$KMOD_BIN" "$root$KMOD_BIN"
	while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done < <(ldd "$KMOD_BIN" | grep -oE '/[^ ]+' | sort -u)
	for t in "${KMOD_TOOLS[@]}"; do
		ln -sf ../../bin/kmod "$root/usr/lib/rig-kmod/$t"
	done
}

# stage_dkms_tree ROOT RELEASE: ROOT/lib/modules/RELEASE with the modules
# DKMS installed for RELEASE (and nothing of the tree's own build), the
# stock modules they and the VFIO tests need, at their stock paths, and
# depmod's data for all of them (modules.dep, .alias, .softdep, .devname).
stage_dkms_tree() {
	local root=$1 rel=$2 dkms_dir=/lib/modules/$2/updates/dkms
	local ko dest ours=()

	rm -rf "$root"
	mkdir -p "$root/lib/modules/$rel"
	for ko in iommufd iommufd_vfio; do
		[[ -f $dkms_dir/$ko.ko ]] || die "$dkms_dir/$ko.ko missing"
		ours+=("$dkms_dir/$ko.ko")
	done
	for ko in "${ours[@]}" $(stock_module_deps "${ours[@]}"); do
		dest=$root$ko
		mkdir -p "$(dirname "$dest")"
		cp "$ko" "$dest"
	done
	cp /lib/modules/"$rel"/modules.{builtin,builtin.modinfo,order} \
		"$root/lib/modules/$rel/"
	depmod -b "$root" "$rel"
}

# qexit: the guest's way out of QEMU (see qexit.c).
build_qexit() {
	mkdir -p "$BUILD"
	gcc -static -Os -Wall -Wextra -Werror -o "$BUILD/qexit" "$RIG_DIR/qexit.c"
}

# Build the test programs into .build/tests once; they are static and
# shared by both kernels.  $1 is the kernel source tree that provides
# tools/testing/selftests/kselftest_harness.h.
build_tests() {
	local ksrc=$1 out=$BUILD/tests.log

	rm -rf "$BUILD/tests"
	mkdir -p "$BUILD/tests"
	[[ -f $REPO/selftest/Makefile ]] || return 0
	if ! make -C "$REPO/selftest" KSRC="$ksrc" OUT="$BUILD/tests" \
		>"$out" 2>&1; then
		tail -n 40 "$out" >&2
		printf 'FAIL build selftest: make failed, see %s\n' "$out"
		return 1
	fi
}

# The benchmark programs of `make bench`, into $BUILD/bench-bin.
build_bench() {
	local out=$BUILD/bench-bin.log

	rm -rf "$BUILD/bench-bin"
	mkdir -p "$BUILD/bench-bin"
	if ! make -C "$REPO/tools/bench" OUT="$BUILD/bench-bin" >"$out" 2>&1; then
		tail -n 40 "$out" >&2
		die "build bench: make failed, see $out"
	fi
}

# Build the guest's user programs into .build/demo: the demo of `make
# run` and tools/iommufd-stat, which the demo and the tests run from the
# guest's PATH.
build_demo() {
	local out=$BUILD/demo.log tool

	rm -rf "$BUILD/demo"
	mkdir -p "$BUILD/demo"
	: >"$out"
	for tool in demo iommufd-stat; do
		[[ -f $REPO/tools/$tool/Makefile ]] || continue
		if ! make -C "$REPO/tools/$tool" OUT="$BUILD/demo" >>"$out" 2>&1; then
			tail -n 40 "$out" >&2
			printf 'FAIL build %s: make failed, see %s\n' "$tool" "$out"
			return 1
		fi
	done
}

# kernel_doc KSRC: run KSRC's scripts/kernel-doc over every C source and
# header of the project (the build directory and git's excepted).  Any
# warning or error it prints fails the check; prints a PASS or FAIL line.
kernel_doc() {
	local out=$BUILD/kernel-doc.log
	local -a files

	mkdir -p "$BUILD"
	mapfile -t files < <(find "$REPO" \( -path "$REPO/.build" -o \
		-path "$REPO/.git" \) -prune -o \( -name '*.c' -o \
		-name '*.h' \) -type f -print | sort)
	local rc=0

	"$1/scripts/kernel-doc" -none "${files[@]}" >"$out" 2>&1 || rc=$?
	if ((rc)) || [[ -s $out ]]; then
		cat "$out" >&2
		printf 'FAIL kernel-doc: %d lines of warnings over %d files\n' \
			"$(wc -l <"$out")" "${#files[@]}"
		return 1
	fi
	printf 'PASS kernel-doc: %d files, no warning\n' "${#files[@]}"
}

# Stock modules the stock guest always loads, before ours: VFIO with its
# type1 backend and vfio-pci, which takes QEMU's edu device for the VFIO
# tests.  type1 must be registered before iommufd_vfio: VFIO tries the
# most recently registered backend first.  (The debug kernel has them
# built in.)
STOCK_EXTRA_MODULES=(vfio vfio_iommu_type1 vfio-pci)

# stock_module_deps KO...: print, in load order, the stock kernel's module
# files of STOCK_EXTRA_MODULES and of what the given modules need, leaving
# out the given modules; each file once.
stock_module_deps() {
	local -A own=() seen=()
	local ko dep kind path
	local wanted=("${STOCK_EXTRA_MODULES[@]}")

	for ko in "$@"; do
		own[$(modinfo -F name "$ko")]=1
	done
	for ko in "$@"; do
		for dep in $(modinfo -F depends "$ko" | tr , ' '); do
			[[ -z ${own[$dep]:-} ]] || continue
			wanted+=("$dep")
		done
	done
	for dep in "${wanted[@]}"; do
		# --show-depends also lists soft dependencies (vfio's "post:
		# vfio_iommu_type1"), in the order modprobe would load them.
		while read -r kind path _; do
			[[ $kind == insmod && -z ${seen[$path]:-} ]] || continue
			seen[$path]=1
			echo "$path"
		done < <(modprobe -S "$STOCK_RELEASE" --show-depends "$dep")
	done
}

# Debian's QEMU as a VFIO user inside the guest (selftest/vfio_qemu.c):
# the binary, the module Debian builds TCG as, their shared libraries (at
# the paths ldd gives, with the loader) and the firmware a TCG pc machine
# without devices asks for, SeaBIOS and the vapic ROM. QEMU looks for
# modules and firmware relative to its binary (../lib/x86_64-linux-gnu/qemu,
# ../share/qemu, ../share/seabios), which is where they go.
QEMU_BIN=/usr/bin/qemu-system-x86_64
QEMU_MODULES=(/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so)
QEMU_FIRMWARE=(/usr/share/seabios/bios-256k.bin /usr/share/qemu/kvmvapic.bin)

# pack_qemu ROOT
pack_qemu() {
	local root=$1 f lib

	[[ -x $QEMU_BIN ]] || die "$QEMU_BIN missing (qemu-system-x86)"
	mkdir -p "$root/usr/bin"
	cp "$QEMU_BIN" "$root$QEMU_BIN"
	while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done < <(ldd "$QEMU_BIN" "${QEMU_MODULES[@]}" | grep -v ":$" | grep -oE '^[[:space:]]*/[^ ]+|=> /[^ ]+' |
		grep -oE '/[^ ]+' | sort -u)
	for f in "${QEMU_MODULES[@]}" "${QEMU_FIRMWARE[@]}"; do
		[[ -f $f ]] || die "$f missing (qemu-system-x86, seabios, qemu-system-data)"
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
}

# make_initramfs NAME KERNEL-LABEL [TEST FILTER...]
# Packs .build/NAME/initramfs.cpio.gz from busybox, qexit, /init, the
# module(s) of .build/NAME/mod and the test programs.  With filters, only
# test programs whose name is listed are included; the single filter
# "none" includes none.
make_initramfs() {
	local name=$1 label=$2
	shift 2
	local root=$BUILD/$name/initramfs mod=$BUILD/$name/mod
	local t rel base want ko
	local ours=() deps=()

	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc,mod,tests,demo,bench}
	# Debian's busybox package is dynamic; busybox-static replaces it.
	if ldd /bin/busybox >/dev/null 2>&1; then
		die "/bin/busybox is not static (install busybox-static)"
	fi
	cp /bin/busybox "$root/bin/busybox"
	# /init's interpreter; /init links the other applets itself.
	ln -s busybox "$root/bin/sh"
	cp "$BUILD/qexit" "$root/bin/qexit"
	cp "$RIG_DIR/init.sh" "$root/init"
	chmod 755 "$root/init"

	# Our modules in load order: iommufd first, then tools/vm/modules.list
	# (paths relative to the module build directory).  With RIG_MODROOT
	# (check-deb.sh), a /lib/modules tree of stage_dkms_tree instead,
	# whose modules the guest loads with kmod, none from /mod.
	if [[ -n ${RIG_MODROOT:-} ]]; then
		cp -a "$RIG_MODROOT/." "$root/"
		pack_kmod "$root"
	else
		ours=("$mod/iommufd.ko")
	fi
	if [[ -z ${RIG_MODROOT:-} && -f $RIG_DIR/modules.list ]]; then
		while read -r rel; do
			[[ -z $rel || $rel == \#* ]] && continue
			[[ -f $mod/$rel ]] || die "modules.list: $mod/$rel was not built"
			ours+=("$mod/$rel")
		done <"$RIG_DIR/modules.list"
	fi
	# Stock modules they need go first (the debug kernel has everything
	# built in).
	if [[ $label == stock ]]; then
		mapfile -t deps < <(stock_module_deps "${ours[@]}")
	fi
	: >"$root/mod/order"
	for ko in "${deps[@]}" "${ours[@]}"; do
		base=$(basename "$ko")
		case $ko in
		*.ko.xz) xz -dc "$ko" >"$root/mod/${base%.xz}" ;;
		*) cp "$ko" "$root/mod/$base" ;;
		esac
		echo "${base%.xz}" >>"$root/mod/order"
	done

	for t in "$@"; do
		[[ $t == none || -x $BUILD/tests/$t ]] ||
			die "TESTS: no test program '$t' in $BUILD/tests"
	done
	for t in "$BUILD"/tests/*; do
		[[ -f $t && -x $t ]] || continue
		want=1
		if (($#)); then
			want=0
			for f in "$@"; do
				[[ $f == "$(basename "$t")" ]] && want=1
			done
		fi
		((want)) && cp "$t" "$root/tests/"
	done
	# Tens of MB: only when the test that runs it is in the image.
	if [[ -x $root/tests/vfio_qemu ]]; then
		pack_qemu "$root"
	fi
	if [[ -x $BUILD/demo/iommufd-demo ]]; then
		cp "$BUILD/demo/iommufd-demo" "$root/demo/"
	fi
	if [[ -x $BUILD/demo/iommufd-stat ]]; then
		cp "$BUILD/demo/iommufd-stat" "$root/usr/bin/"
	fi
	# Only `make bench` builds them (iommufd_bench, vfio_bench; /init
	# runs them in name order); other images leave /bench empty.
	if [[ $name == bench ]]; then
		for t in "$BUILD"/bench-bin/*; do
			[[ -f $t && -x $t ]] && cp "$t" "$root/bench/"
		done
	fi

	cat >"$root/etc/rig.env" <<-EOF
		RIG_KERNEL=$label
		RIG_SUITE_TIMEOUT=$SUITE_TIMEOUT
	EOF
	# The modules are the package's: iommufd_smoke checks for no test
	# ioctl.
	if [[ -n ${RIG_MODROOT:-} ]]; then
		echo "export IOMMUFD_SMOKE_PRODUCTION=1" >>"$root/etc/rig.env"
	fi
	# The fuzzer's knobs (selftest/iommufd_fuzz.c), only when given.
	local knob
	for knob in SEED OPS PROCS THREADS BATCHES TRACE; do
		local v="FUZZ_$knob"
		if [[ -n ${!v:-} ]]; then
			[[ ${!v} =~ ^(0x)?[0-9a-fA-F]+$ ]] ||
				die "$v: not a number: '${!v}'"
			echo "export IOMMUFD_FUZZ_$knob=${!v}" >>"$root/etc/rig.env"
		fi
	done

	(cd "$root" && find . -print0 | sort -z |
		cpio --null -o -H newc --quiet) | gzip -1 >"$BUILD/$name/initramfs.cpio.gz"
}

# run_vm NAME BZIMAGE PHASE [MODE]
# Boots .build/NAME/initramfs.cpio.gz.  MODE "batch" (default) writes the
# console to .build/logs/NAME.console; "live" also shows it on the
# terminal; "interactive" gives the terminal to the guest's ttyS0.  The
# results port (ttyS1) always goes to .build/logs/NAME.results.  Sets
# QEMU_RC (124 on host timeout).
run_vm() {
	local name=$1 kernel=$2 phase=$3 mode=${4:-batch}
	local append="console=ttyS0 intel_iommu=on panic=-1 phase=$phase"
	local console=$LOGS/$name.console results=$LOGS/$name.results
	local serial0 qemu

	mkdir -p "$LOGS"
	rm -f "$console" "$results"
	case $mode in
	batch) serial0=(-serial "file:$console") ;;
	live)
		serial0=(-chardev "stdio,id=con0,signal=on,logfile=$console"
			-serial chardev:con0)
		# Hide boot chatter but keep warnings: splats print at
		# KERN_WARNING and above.
		append+=" loglevel=5"
		;;
	interactive)
		serial0=(-chardev "stdio,id=con0,mux=on,signal=off,logfile=$console"
			-serial chardev:con0 -mon "chardev=con0,mode=readline")
		append+=" loglevel=5"
		;;
	*) die "run_vm: bad mode $mode" ;;
	esac

	# Two edu devices, each in an IOMMU group of its own: the VFIO
	# suite puts both groups in one container.
	qemu=(qemu-system-x86_64 -machine q35 -accel tcg -cpu max
		-m "$VM_MEM" -smp 2 -nodefaults -display none -no-reboot
		-device "intel-iommu,intremap=off"
		-device "isa-debug-exit,iobase=0xf4,iosize=0x04"
		-device edu -device edu
		"${serial0[@]}" -serial "file:$results"
		-kernel "$kernel" -initrd "$BUILD/$name/initramfs.cpio.gz"
		-append "$append")

	local try
	for try in 1 2 3; do
		run_qemu_once "$mode" "${qemu[@]}"
		[[ $mode == batch ]] && boot_splat "$console" || break
		# The module is loaded by /init, so a report printed before
		# /init's first line cannot be the module's: it is the
		# emulated platform or the kernel's own boot (seen once: a
		# KASAN wild-memory-access in an early interrupt under
		# identify_cpu). Keep the log and boot again; after three
		# boots like that the judge sees the report and fails the run.
		((try < 3)) || break
		log "$name: kernel report during boot, before /init; see $console.boot$try; booting again"
		cp "$console" "$console.boot$try"
		rm -f "$console" "$results"
	done
}

# boot_splat CONSOLE: did the kernel report a problem before /init ran?
boot_splat() {
	local before

	[[ -f $1 ]] || return 1
	before=$(sed -e 's/\r$//' -e '/rig: \[/,$d' "$1")
	grep -qE 'BUG:|WARNING:|KASAN|Oops|general protection|Kernel panic' \
		<<<"$before"
}

# run_qemu_once MODE QEMU-ARGS...: one boot; sets QEMU_RC.
run_qemu_once() {
	local mode=$1
	shift
	local qemu=("$@")

	QEMU_RC=0
	if [[ $mode == interactive ]]; then
		# A person is at the keyboard: no time limit.
		"${qemu[@]}" 2>"$LOGS/$name.qemu" || QEMU_RC=$?
	elif [[ $mode == live ]]; then
		timeout --foreground -k 10 "$VM_TIMEOUT" "${qemu[@]}" \
			</dev/null 2>"$LOGS/$name.qemu" || QEMU_RC=$?
	else
		timeout -k 10 "$VM_TIMEOUT" "${qemu[@]}" \
			</dev/null 2>"$LOGS/$name.qemu" || QEMU_RC=$?
	fi
}
