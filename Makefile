# SPDX-License-Identifier: GPL-2.0-only
#
# Out-of-tree entry points. Kbuild (which the kernel's build reads in
# preference to this file) says what the module is made of.
#
#   make [KDIR=...] [IOMMUFD_TEST=1]   build iommufd.ko (and iommufd_vfio.ko
#                                      where the kernel has VFIO)
#   make install [KDIR=...]            install them for that kernel, depmod
#   make check                         every test, on the stock and the
#                                      debug kernel (sets everything up)
#   make check-rig                     prove the test judge catches splats
#   make run [INTERACTIVE=1]           boot a VM with the module and a demo
#   make bench                         MAP/UNMAP cost against a pinning floor
#   make fuzz [SEED=..] [OPS=..]       only the random-ioctl fuzzer, longer,
#                                      on the debug kernel (KERNELS=...)
#   make deb                           the Debian package iommufd-dkms, into
#                                      .build/deb/ (Debian's tools only)
#   make check-deb                     build, install and test the package:
#                                      DKMS build, on-demand load in a VM,
#                                      removal
#   make clean

# The newest installed Debian 6.1 headers; the host may run another kernel.
KDIR ?= $(lastword $(sort $(wildcard /lib/modules/6.1.*/build)))

.PHONY: modules install clean check check-rig run bench fuzz deb check-deb

modules:
	@test -n "$(KDIR)" || { echo "no 6.1 kernel headers found; set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Into /lib/modules/<release>/updates, which modprobe prefers. The release
# is the one the kernel reports (uname -r): Debian's headers carry it in
# utsrelease.h, while their kernel.release holds the upstream version.
KRELEASE = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
		$(KDIR)/include/generated/utsrelease.h)

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) KERNELRELEASE=$(KRELEASE) \
		INSTALL_MOD_DIR=updates modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) -a $(KRELEASE)

clean:
	@if [ -n "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf .build

check:
	tools/vm/check.sh

check-rig:
	tools/vm/check-rig.sh

run:
	tools/vm/run.sh

bench:
	tools/vm/bench.sh

# The fuzzer alone: 10x the operations of make check unless OPS is given.
fuzz:
	TESTS=iommufd_fuzz KERNELS="$(or $(KERNELS),debug)" \
		SUITE_TIMEOUT="$(or $(SUITE_TIMEOUT),7200)" \
		VM_TIMEOUT="$(or $(VM_TIMEOUT),9000)" \
		FUZZ_SEED="$(SEED)" FUZZ_OPS="$(or $(OPS),120000)" \
		tools/vm/check.sh

deb:
	tools/vm/deb.sh

check-deb:
	tools/vm/check-deb.sh
