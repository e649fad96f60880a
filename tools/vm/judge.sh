#!/usr/bin/env bash
#
# judge.sh - give the verdict on one VM run.
#
# Usage: tools/vm/judge.sh KERNEL LOGBASE QEMU_RC
#   KERNEL   label used in the output ("stock", "debug", ...)
#   LOGBASE  path without suffix: reads LOGBASE.console (ttyS0) and
#            LOGBASE.results (ttyS1, written by tools/vm/init.sh)
#   QEMU_RC  exit status of qemu (124: killed by the host timeout)
#
# Prints one line per suite and per failed check, e.g.
#   PASS stock kselftest:iommufd (57 passed, 0 failed, 1 skipped)
#   FAIL debug splat: BUG: KASAN: slab-out-of-bounds in ...
# and exits 0 only if the run is clean.  If JUDGE_COUNTS names a file,
# "PASSED FAILED SKIPPED" is appended to it.  Test cases are counted from
# TAP "ok"/"not ok" lines; every other failed check (VM exit status,
# missing END sentinel, insmod/rmmod, splat, lockdep, taint) counts as one
# failure so a red run never sums to "0 failed".
#
# The run is clean only if: qemu exited 1 (guest status 0), the results
# end with "@@@ END rc=0", every module loaded and unloaded, no test case
# failed, the console shows no kernel splat, lockdep is still on, and the
# taint mask gained none of W, B, D or L.
set -euo pipefail

usage() { echo "usage: $0 KERNEL LOGBASE QEMU_RC" >&2; exit 2; }
(($# == 3)) || usage
kernel=$1
console=$2.console
results=$2.results
qemu_rc=$3

# Kernel messages that mean something went wrong.  Matched against the
# console with carriage returns and printk timestamps removed.
SPLAT='BUG:|WARNING:|KASAN|possible circular|possible recursive|Kernel panic|Oops|kmemleak: [0-9]+ new suspected|unreferenced object|sleeping function called from invalid context|refcount_t:|INFO: task .* blocked|general protection|UBSAN|inconsistent lock state|^ *not ok |debug_locks: 0'

# Taint flags that fail a run: W (warning) 512, B (bad page) 32,
# D (died) 128, L (soft lockup) 16384.  O and E (our unsigned module) and
# N (KUnit ran) are expected.
BAD_TAINT=$((512 | 32 | 128 | 16384))

passed=0 failed=0 skipped=0
clean=1
# Failures other than test cases that explain a non-zero guest status.
explained=0

note_fail() {
	printf 'FAIL %s %s\n' "$kernel" "$*"
	failed=$((failed + 1))
	clean=0
}

[[ -f $results ]] || : >"$results"
[[ -f $console ]] || : >"$console"

norm_console=$(mktemp)
trap 'rm -f "$norm_console"' EXIT
sed -e 's/\r$//' -e 's/^\[ *[0-9]*\.[0-9]*\] //' "$console" >"$norm_console"

# --- Test suites on the results port -----------------------------------
# awk prints one record per suite:
#   name <TAB> passed <TAB> failed <TAB> skipped <TAB> planned <TAB> seen
#   <TAB> rc <TAB> suite-line-failed
suites=$(tr -d '\r' <"$results" | awk '
	function flush() {
		if (name != "")
			printf "%s\t%d\t%d\t%d\t%d\t%d\t%s\t%d\n", name, p, f, s,
				plan, seen, rc, top_fail
		name = ""
	}
	/^@@@ SUITE / {
		flush()
		name = $3; sub(/^[^:]*:/, "", name)
		kunit = (name ~ /^kunit:/)
		p = f = s = seen = top_fail = 0; plan = -1; rc = "none"
		next
	}
	name == "" { next }
	/^@@@ RC / { rc = $3; flush(); next }
	/^@@@ / { flush(); next }
	{
		line = $0
		if (kunit) {
			# KUnit: the cases are the lines indented by 4; the
			# unindented "ok 1 suite" line only summarises them.
			if (line ~ /^(not )?ok [0-9]+ /) {
				if (line ~ /^not ok /) top_fail = 1
				next
			}
			if (line !~ /^    (not )?ok [0-9]+ /) next
			sub(/^    /, "", line)
		} else {
			if (plan < 0 && line ~ /^1\.\.[0-9]+/) {
				plan = substr(line, 4) + 0
				next
			}
			if (line !~ /^(not )?ok [0-9]+/) next
		}
		seen++
		if (line ~ /^not ok /) f++
		else if (line ~ /# [Ss][Kk][Ii][Pp]/) s++
		else p++
	}
	END { flush() }
')

while IFS=$'\t' read -r name p f s plan seen rc top_fail; do
	[[ -n $name ]] || continue
	why=()
	if [[ $rc == none ]]; then
		why+=("no exit status (guest stopped inside the suite)")
	elif [[ $rc != 0 && $rc != 4 ]]; then
		why+=("exit status $rc")
		[[ $rc == 137 ]] && why+=("killed by the per-suite timeout?")
	fi
	if ((plan >= 0 && seen < plan)); then
		why+=("only $seen of $plan planned tests reported")
	elif [[ $name != kunit:* ]] && ((plan < 0)); then
		why+=("no TAP plan line")
	fi
	((top_fail && f == 0)) && why+=("suite reported not ok")
	# A broken suite whose cases did not say "not ok" still fails once.
	if ((${#why[@]} && f == 0)); then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if ((f)); then
		clean=0
		explained=1
		reasons=""
		for r in "${why[@]}"; do
			reasons+="${reasons:+; }$r"
		done
		printf 'FAIL %s %s (%d passed, %d failed, %d skipped)%s\n' \
			"$kernel" "$name" "$p" "$f" "$s" "${reasons:+: $reasons}"
		# Show which cases failed.
		tr -d '\r' <"$results" | awk -v want="$name" '
			/^@@@ SUITE / { n = $3; sub(/^[^:]*:/, "", n); on = (n == want); next }
			/^@@@ / { on = 0 }
			on && /^ *not ok / { print "    " $0 }
		' | head -n 20
	else
		printf 'PASS %s %s (%d passed, %d failed, %d skipped)\n' \
			"$kernel" "$name" "$p" "$f" "$s"
	fi
done <<<"$suites"

# --- Module load/unload --------------------------------------------------
while read -r _ what mod st; do
	if [[ $st != rc=0 ]]; then
		note_fail "$(tr '[:upper:]' '[:lower:]' <<<"$what") $mod: ${st}"
		explained=1
	fi
done < <(tr -d '\r' <"$results" | grep -E '^@@@ (INSMOD|RMMOD) ' || true)

# --- How the VM ended ----------------------------------------------------
end_line=$(tr -d '\r' <"$results" | grep -E '^@@@ END rc=' | tail -n 1 || true)
hung=0
case $qemu_rc in
1) ;;
124 | 137)
	hung=1
	note_fail "hang: killed by the host timeout"
	;;
0) note_fail "vm: qemu exited 0 (kernel panic or power-off without a verdict)" ;;
*)
	if ((qemu_rc % 2 == 1)); then
		# Odd: a verdict from the guest, (rc << 1) | 1.
		((explained)) ||
			note_fail "vm: guest status $(((qemu_rc - 1) / 2))"
		clean=0
	else
		note_fail "vm: qemu exited $qemu_rc (qemu error? see ${2}.qemu)"
	fi
	;;
esac
if [[ -z $end_line ]]; then
	((hung)) || note_fail "vm: no '@@@ END' sentinel on the results port"
elif [[ $end_line != "@@@ END rc=0" ]]; then
	clean=0
	((explained || qemu_rc != 1)) || note_fail "vm: ${end_line#@@@ }"
fi

# --- Kernel splats on the console ----------------------------------------
splat=$(grep -E -m1 -- "$SPLAT" "$norm_console" || true)
if [[ -n $splat ]]; then
	note_fail "splat: $splat"
fi

# --- Lockdep and taint ---------------------------------------------------
locks=$(tr -d '\r' <"$results" | sed -n 's/^@@@ DEBUG_LOCKS //p' | tail -n 1)
if [[ $locks == 0 ]]; then
	note_fail "lockdep: debug_locks is 0 (lockdep switched itself off after a report)"
fi
taint_after=$(tr -d '\r' <"$results" | sed -n 's/^@@@ TAINT after //p' | tail -n 1)
if [[ $taint_after =~ ^[0-9]+$ ]] && ((taint_after & BAD_TAINT)); then
	flags=""
	((taint_after & 512)) && flags+=W
	((taint_after & 32)) && flags+=B
	((taint_after & 128)) && flags+=D
	((taint_after & 16384)) && flags+=L
	note_fail "taint: $taint_after ($flags)"
fi

if ((hung)) || [[ -z $end_line ]]; then
	printf -- '--- last console lines (%s):\n' "$console"
	tail -n 40 "$console" | tr -d '\r' | sed 's/^/    /'
fi
if ((!clean)); then
	# A failure must never sum to zero.
	((failed)) || failed=1
	printf 'logs: %s %s\n' "$console" "$results"
fi

if [[ -n ${JUDGE_COUNTS:-} ]]; then
	echo "$passed $failed $skipped" >>"$JUDGE_COUNTS"
fi
((clean))
