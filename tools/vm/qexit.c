// SPDX-License-Identifier: GPL-2.0
/*
 * qexit - leave QEMU with a status, from inside the guest.
 *
 * Usage: qexit N    (0 <= N <= 127)
 *
 * Writes N to the isa-debug-exit device at I/O port 0xf4 (QEMU is started
 * with -device isa-debug-exit,iobase=0xf4,iosize=0x04).  QEMU then exits
 * with status (N << 1) | 1, so guest status 0 reads as 1 on the host and
 * any odd status is a real verdict from the guest.
 *
 * /dev/port is used rather than ioperm()+outb(): the debug kernel has
 * CONFIG_DEVPORT but not CONFIG_X86_IOPL_IOPERM.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define DEBUG_EXIT_PORT 0xf4

int main(int argc, char **argv)
{
	unsigned char code;
	long n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: qexit N\n");
		return 2;
	}
	n = strtol(argv[1], NULL, 0);
	if (n < 0 || n > 127)
		n = 127;
	code = (unsigned char)n;

	/* Results on the serial ports and in page cache must be out first. */
	sync();

	fd = open("/dev/port", O_WRONLY);
	if (fd < 0) {
		perror("qexit: /dev/port");
		return 1;
	}
	if (pwrite(fd, &code, 1, DEBUG_EXIT_PORT) != 1) {
		perror("qexit: write");
		return 1;
	}
	/* Not reached when the device is present. */
	close(fd);
	return 1;
}
