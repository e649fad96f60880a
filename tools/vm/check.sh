#!/usr/bin/env bash
#
# check.sh - build iommufd.ko for two kernels and run the tests in QEMU.
# This is `make check`.
#
#   stock  the installed Debian 6.1 kernel (newest /lib/modules/6.1.*)
#   debug  6.1 tinyconfig + tools/vm/debug.config: KUnit, lockdep, KASAN,
#          kmemleak, fault injection; built once and cached outside the
#          repo in $IOMMUFD_CACHE (default ~/.cache/iommufd-6.1)
#
# Steps: install missing Debian packages, build/reuse the debug kernel,
# build the module for both kernels with W=1 (sparse C=1 on stock; any
# warning fails), build the test programs, check every source file's
# kernel-doc (scripts/kernel-doc -none; any warning fails and counts as
# one failed check, a clean run as one passed), boot each kernel with
# phase=check and judge the run (tools/vm/judge.sh).  The last line is
# "N passed, N failed, N skipped"; the exit status is non-zero if anything
# failed.  Logs: .build/logs/<kernel>.{console,results,qemu}.
#
# Quick iteration:
#   TESTS=iommufd KERNELS=debug make check
#     TESTS    test programs to run (names of files built by selftest/,
#              space or comma separated); "none" runs no program, only
#              module load (KUnit on debug), unload and the leak scan.
#              Default: all.
#     KERNELS  "stock", "debug" or both (default "stock debug").
#   Also: VM_MEM (default 1G), VM_TIMEOUT (seconds per VM, default 4800),
#   SUITE_TIMEOUT (seconds per test program in the guest, default 1800);
#   both are >= 3x the times measured on a loaded 2-core machine.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

read -r -a kernels <<<"${KERNELS:-stock debug}"
tests_env=${TESTS:-}
read -r -a tests <<<"${tests_env//,/ }"
for k in "${kernels[@]}"; do
	[[ $k == stock || $k == debug ]] || die "KERNELS: unknown kernel '$k'"
done

start=$SECONDS
passed=0 failed=0 skipped=0
counts=$(mktemp)
summary_done=0

# If a step dies (say, the debug kernel does not build), still end with a
# summary line that shows the failure.
on_exit() {
	rm -f "$counts"
	if ((!summary_done)); then
		echo "$passed passed, $((failed + 1)) failed, $skipped skipped"
	fi
}
trap on_exit EXIT

# Count a failed check that is not a test case (build break, warnings).
failed_check() { failed=$((failed + 1)); }

step() {
	log "$1 ($(elapsed "$start") so far)"
}

step "packages"
ensure_packages
find_stock_kernel

# The debug tree also provides kselftest_harness.h for the test programs.
step "debug kernel"
ensure_debug_kernel

step "builds"
declare -A built=()
for k in "${kernels[@]}"; do
	if [[ $k == stock ]]; then
		kdir=$STOCK_KDIR
		extra=(C=1)
	else
		kdir=$DEBUG_KDIR
		extra=()
	fi
	rc=0
	build_module "$k" "$kdir" "${extra[@]}" || rc=$?
	if ((rc == 1)); then
		failed_check
	else
		built[$k]=1
		((rc == 0)) || failed_check
	fi
done
build_qexit
build_tests "$DEBUG_KDIR" || failed_check
build_demo || failed_check

step "kernel-doc"
if kernel_doc "$DEBUG_KDIR"; then
	passed=$((passed + 1))
else
	failed_check
fi

for k in "${kernels[@]}"; do
	[[ -n ${built[$k]:-} ]] || continue
	if [[ $k == stock ]]; then
		bzimage=$STOCK_BZIMAGE
	else
		bzimage=$DEBUG_BZIMAGE
	fi
	step "$k VM"
	make_initramfs "$k" "$k" "${tests[@]}"
	vm_start=$SECONDS
	run_vm "$k" "$bzimage" check
	log "$k VM took $(elapsed "$vm_start"), qemu exit $QEMU_RC"
	verdicts=$(wc -l <"$counts")
	JUDGE_COUNTS=$counts "$RIG_DIR/judge.sh" "$k" "$LOGS/$k" "$QEMU_RC" || true
	# A judge that died before counting (its logs gone, say) still fails.
	if (($(wc -l <"$counts") == verdicts)); then
		printf 'FAIL %s judge: no verdict (see the lines above)\n' "$k"
		echo "0 1 0" >>"$counts"
	fi
done

while read -r p f s; do
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done <"$counts"

# Suite durations in the guest (init.sh's "@@@ TIME" lines), so that
# drift shows from run to run.
log "suite durations (s):"
for k in "${kernels[@]}"; do
	[[ -f $LOGS/$k.results ]] || continue
	tr -d '\r' <"$LOGS/$k.results" |
		awk -v k="$k" '/^@@@ TIME / { printf "    %-6s %-24s %8s\n", k, $3, $4 }' >&2
	grep -ho '# seed 0x[0-9a-f]*' "$LOGS/$k.results" |
		sed "s/^# /    $k fuzzer: /" >&2 || true
done
log "total $(elapsed "$start")"
echo "$passed passed, $failed failed, $skipped skipped"
summary_done=1
((failed == 0))
