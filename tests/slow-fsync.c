/*
 * slow-fsync.c - LD_PRELOAD'ed by tests/output.sh to catch heapdiff in
 * the middle of writing -o FILE: with HD_TEST_FSYNC_READY set, fsync()
 * (of the temporary file, written but not yet renamed) creates that file
 * to say so and then waits for a signal, for as long as the test needs.
 * Without it, fsync() is the system call.
 */
#define _DEFAULT_SOURCE /* syscall() */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int fsync(int fd)
{
	const char *ready = getenv("HD_TEST_FSYNC_READY");
	int f;

	if (!ready || !*ready)
		return (int)syscall(SYS_fsync, fd);
	f = open(ready, O_WRONLY | O_CREAT, 0644);
	if (f >= 0)
		close(f);
	for (;;)
		pause();
}
