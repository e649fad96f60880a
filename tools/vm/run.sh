#!/usr/bin/env bash
#
# run.sh - boot the stock Debian 6.1 kernel with iommufd.ko loaded.  This
# is `make run`.
#
#   make run                 load the module, run tools/demo's iommufd-demo
#                            with its output on this terminal, unload; the
#                            exit status is the demo's verdict (and fails
#                            on a kernel splat or a failed unload).  The
#                            guest is set up as for make check (VFIO,
#                            iommufd_vfio, edu bound to vfio-pci), so the
#                            demo can show edu's DMA through a container
#                            on iommufd and tools/iommufd-stat (in the
#                            guest's /usr/bin) showing its pins
#   INTERACTIVE=1 make run   a shell on the guest console instead of the
#                            demo, module loaded, iommufd-stat on the
#                            PATH; leave it with `exit`
#                            (the module is then unloaded and the VM
#                            stops) or Ctrl-A x to kill the VM
#
# Needs no debug kernel, so it is quick on a fresh machine.  Logs:
# .build/logs/run.{console,results,qemu}.  VM_MEM and VM_TIMEOUT work as
# for check.sh.
set -euo pipefail

# shellcheck source=tools/vm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

interactive=${INTERACTIVE:-0}
if [[ $interactive == 1 && ! -t 0 ]]; then
	die "INTERACTIVE=1 needs a terminal on standard input"
fi

ensure_packages
find_stock_kernel

rc=0
build_module run "$STOCK_KDIR" || rc=$?
((rc != 1)) || exit 1
build_qexit
build_demo
make_initramfs run stock none

if [[ $interactive == 1 ]]; then
	log "guest shell on $STOCK_RELEASE (Ctrl-A x kills the VM)"
	run_vm run "$STOCK_BZIMAGE" shell interactive
else
	log "running the demo on $STOCK_RELEASE"
	run_vm run "$STOCK_BZIMAGE" run live
fi

# Same verdict rules as `make check`; silent when all is well.
if ! verdict=$("$RIG_DIR/judge.sh" stock "$LOGS/run" "$QEMU_RC"); then
	printf '%s\n' "$verdict"
	exit 1
fi
log "clean exit"
