/*
 * nosys: run a command with system calls failing the way an old kernel or
 * a seccomp(2) sandbox makes them fail, for the paths the bridge takes
 * there.  The filter is inherited by every process the command starts.
 *
 * usage: nosys [-c all | plain] [-g eperm | kill] -- command [arg ...]
 *
 *   -c all    close_range(2) fails with ENOSYS, as on a kernel before 5.9
 *             or under a sandbox that does not know it
 *   -c plain  only close_range without CLOSE_RANGE_CLOEXEC fails so: the
 *             close-on-exec marking works, closing does not
 *   -g eperm  getdents64(2) fails with EPERM: no directory can be listed,
 *             as without /proc or under a sandbox that denies it
 *   -g kill   getdents64(2) kills the process that makes it (SIGSYS)
 *
 * Exits 77 (skip) where no filter can be installed, else 127 if the command
 * cannot be executed.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <endian.h>
#include <err.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef __NR_close_range
#define __NR_close_range	436	/* the same on every architecture */
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC	(1U << 2)
#endif

#if defined(__x86_64__) && !defined(__ILP32__)
#define ARCH	AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define ARCH	AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define ARCH	AUDIT_ARCH_AARCH64
#elif defined(__arm__) && __BYTE_ORDER == __LITTLE_ENDIAN
#define ARCH	AUDIT_ARCH_ARM
#elif defined(__riscv) && __riscv_xlen == 64
#define ARCH	AUDIT_ARCH_RISCV64
#elif defined(__powerpc64__) && __BYTE_ORDER == __LITTLE_ENDIAN
#define ARCH	AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define ARCH	AUDIT_ARCH_S390X
#endif

/* The low 32 bits of a system call argument, whatever the byte order. */
#if __BYTE_ORDER == __LITTLE_ENDIAN
#define ARG_LO(n)	(offsetof(struct seccomp_data, args) + 8 * (n))
#else
#define ARG_LO(n)	(offsetof(struct seccomp_data, args) + 8 * (n) + 4)
#endif

/* BPF_STMT and BPF_JUMP are initializers: make them values. */
#define STMT(code, k)		((struct sock_filter)BPF_STMT((code), (k)))
#define JUMP(code, k, t, f)	((struct sock_filter)BPF_JUMP((code), (k), (t), (f)))

static __attribute__((noreturn)) void usage(void);

static void
usage(void)
{
	fprintf(stderr, "usage: nosys [-c all | plain] [-g eperm | kill] "
	    "-- command [arg ...]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct sock_filter f[16];
	struct sock_fprog prog;
	unsigned short n = 0, close_at, getdents_at;
	int ch, close_mode = 0, getdents_mode = 0;

	while ((ch = getopt(argc, argv, "c:g:")) != -1) {
		switch (ch) {
		case 'c':
			if (strcmp(optarg, "all") == 0)
				close_mode = 1;
			else if (strcmp(optarg, "plain") == 0)
				close_mode = 2;
			else
				usage();
			break;
		case 'g':
			if (strcmp(optarg, "eperm") == 0)
				getdents_mode = 1;
			else if (strcmp(optarg, "kill") == 0)
				getdents_mode = 2;
			else
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
#ifndef ARCH
	errx(77, "no seccomp filter for this architecture");
#else
	/*
	 * 0-1 a foreign architecture: allow
	 * 2-4 close_range: to close_at; getdents64: to getdents_at
	 * 5   anything else: allow
	 */
	f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch));
	f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 0, 3);
	f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
	f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_close_range, 2, 0);
	f[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getdents64,
	    close_mode == 2 ? 5 : 2, 0);
	f[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	close_at = n;
	if (close_mode == 2) {
		f[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2));
		f[n++] = JUMP(BPF_JMP | BPF_JSET | BPF_K, CLOSE_RANGE_CLOEXEC,
		    0, 1);
		f[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	f[n++] = STMT(BPF_RET | BPF_K, close_mode == 0 ? SECCOMP_RET_ALLOW :
	    SECCOMP_RET_ERRNO | ENOSYS);
	getdents_at = n;
	f[n++] = STMT(BPF_RET | BPF_K, getdents_mode == 0 ? SECCOMP_RET_ALLOW :
	    getdents_mode == 1 ? SECCOMP_RET_ERRNO | EPERM :
	    SECCOMP_RET_KILL_PROCESS);
	/* the jumps above were counted by hand: check them */
	if (close_at != 6 || getdents_at != 5 + (close_mode == 2 ? 5 : 2))
		errx(99, "filter miscounted");

	prog.len = n;
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		err(77, "PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1)
		err(77, "PR_SET_SECCOMP");
	execvp(argv[0], argv);
	err(127, "%s", argv[0]);
#endif
}
