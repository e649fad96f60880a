#!/usr/bin/env bash
#
# check-rig.sh - prove that `make check` catches real bugs.  This is
# `make check-rig`.
#
# Builds the module for the debug kernel once per deliberate fault
# (RIG_FAULT=warn|lockdep|kasan|leak makes module init trigger it, see
# selftest/rig_fault.c; RIG_FAULT=access-lock makes the sample driver hold
# its own lock across iommufd_access_destroy(), see
# selftest/iommufd_sample.c, and runs iommufd_sample_test to exercise
# it) and once without, boots each build with the short test list (module
# load with its KUnit suites, unload, leak scan) and hands the run to the
# same judge as `make check` (tools/vm/judge.sh).
#
# Passes only if the clean build is judged PASS and every faulty build is
# judged FAIL with the matching report on the console.  Prints one line
# per build, then "N passed, N failed".  Logs: .build/logs/rig-<kind>.*.
# VM_MEM, VM_TIMEOUT and IOMMUFD_CACHE work as for check.sh.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# What the console must show for each fault to count as caught for the
# right reason (extended regex, matched like the judge does).
declare -A EXPECT=(
	[warn]='WARNING: CPU'
	[lockdep]='possible (circular|recursive) locking|inconsistent lock state'
	[kasan]='BUG: KASAN'
	[leak]='unreferenced object|kmemleak: [0-9]+ new suspected'
	[access-lock]='unmap_rwsem'
)
KINDS=(warn lockdep kasan leak access-lock)
# Faults that need a test program to run to show up.
declare -A KIND_TESTS=(
	[access-lock]=iommufd_sample_test
)

start=$SECONDS
passed=0 failed=0

summary_done=0
# A step that dies still ends the output with a failing summary.
on_exit() {
	((summary_done)) || echo "$passed passed, $((failed + 1)) failed"
}
trap on_exit EXIT

ok() { printf 'PASS %s\n' "$*"; passed=$((passed + 1)); }
bad() { printf 'FAIL %s\n' "$*"; failed=$((failed + 1)); }

ensure_packages
ensure_debug_kernel
build_qexit
build_tests "$DEBUG_KDIR"

# judge_build NAME TESTS [make args...]: build, boot with the test
# programs TESTS (or none) and judge.  Sets VERDICT (PASS/FAIL), JUDGED
# (the judge's output) and CONSOLE (normalised log).
judge_build() {
	local name=$1 tests=$2 rc=0
	shift 2

	build_module "$name" "$DEBUG_KDIR" "$@" >"$BUILD/$name.buildmsg" || rc=$?
	if ((rc == 1)); then
		cat "$BUILD/$name.buildmsg"
		VERDICT=BROKEN
		return
	fi
	make_initramfs "$name" debug "$tests"
	run_vm "$name" "$DEBUG_BZIMAGE" check
	VERDICT=PASS
	JUDGED=$("$RIG_DIR/judge.sh" debug "$LOGS/$name" "$QEMU_RC") || VERDICT=FAIL
	CONSOLE=$(sed -e 's/\r$//' -e 's/^\[ *[0-9]*\.[0-9]*\] //' \
		"$LOGS/$name.console")
	# Warnings from the deliberate-fault code itself are not the point
	# here, but they would fail `make check`: show them.
	((rc == 0)) || cat "$BUILD/$name.buildmsg"
}

log "clean build"
judge_build rig-clean none
if [[ $VERDICT == PASS ]]; then
	ok "clean: judged clean"
else
	bad "clean: a build without faults was not judged clean:"
	if [[ -n ${JUDGED:-} ]]; then
		mapfile -t lines <<<"$JUDGED"
		printf '    %s\n' "${lines[@]}"
	fi
fi

for kind in "${KINDS[@]}"; do
	log "fault $kind"
	JUDGED=
	judge_build "rig-$kind" "${KIND_TESTS[$kind]:-none}" "RIG_FAULT=$kind"
	first=$(grep -m1 '^FAIL' <<<"$JUDGED" || true)
	if [[ $VERDICT == BROKEN ]]; then
		bad "$kind: the module did not build"
	elif [[ $VERDICT == PASS ]]; then
		bad "$kind: NOT DETECTED, the judge passed the run (logs: $LOGS/rig-$kind.*)"
	elif ! grep -qE -- "${EXPECT[$kind]}" <<<"$CONSOLE"; then
		bad "$kind: judged FAIL but without the expected report /${EXPECT[$kind]}/: $first"
	else
		ok "$kind: detected: $(grep -m1 -E -- "${EXPECT[$kind]}" <<<"$CONSOLE")"
	fi
done

log "total $(elapsed "$start")"
echo "$passed passed, $failed failed"
summary_done=1
((failed == 0))
