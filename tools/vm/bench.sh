#!/usr/bin/env bash
#
# bench.sh - `make bench`: run tools/bench/iommufd_bench and then
# tools/bench/vfio_bench in one VM on the stock Debian 6.1 kernel with a
# test build of the modules, and print their "name: value" lines.
# iommufd_bench's ratios are against floors measured in the same run,
# vfio_bench's against vfio_iommu_type1 doing the same thing on the same
# edu device in the same run (see the comments at the top of the two
# programs), so they do not depend on how fast this machine or QEMU is.
#
# The guest gets VM_MEM (default 3G here, `make check` keeps its 1G: 1 GiB
# buffers, one at a time, plus pinning). Logs:
# .build/logs/bench.{console,results,qemu}. The scaling figures also go to
# .build/bench/results.csv, drawn by tools/bench/scaling.gp into
# .build/bench/scaling.png.
set -euo pipefail

VM_MEM=${VM_MEM:-3G}
# shellcheck source=tools/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# gnuplot draws .build/bench/scaling.png (without X: the cairo terminals)
RIG_PACKAGES+=(gnuplot-nox)
ensure_packages
find_stock_kernel

rc=0
build_module bench "$STOCK_KDIR" || rc=$?
((rc != 1)) || exit 1
build_qexit
build_bench
make_initramfs bench stock none

log "running the benchmark on $STOCK_RELEASE"
run_vm bench "$STOCK_BZIMAGE" bench

if ! verdict=$("$RIG_DIR/judge.sh" stock "$LOGS/bench" "$QEMU_RC"); then
	printf '%s\n' "$verdict"
	exit 1
fi
grep -E '^[a-z0-9_]+: ' "$LOGS/bench.results"

# How cost grows: the scaling figures as CSV (series,x,value), and a plot.
out=$BUILD/bench
mkdir -p "$out"
{
	echo "series,x,value"
	sed -nE \
		-e 's/^scale_(map|floor)_(4k|thp)_([0-9]+)_ns: ([0-9]+)$/\1_\2,\3,\4/p' \
		-e 's/^unmap_1page_([0-9]+)_areas_ns: ([0-9]+)$/unmap_1page,\1,\2/p' \
		-e 's/^kmem_per_area_bytes: ([0-9.]+)$/kmem_per_area_bytes,100000,\1/p' \
		"$LOGS/bench.results"
} >"$out/results.csv"
if gnuplot -e "csv='$out/results.csv'; png='$out/scaling.png'" \
	"$REPO/tools/bench/scaling.gp"; then
	log "scaling figures: $out/results.csv, $out/scaling.png"
else
	log "gnuplot failed; the figures are in $out/results.csv"
fi
