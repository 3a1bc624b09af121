/*
 * nofamily: run a command as on a kernel without an address family.
 *
 * nofamily inet|inet6 command [arg ...]
 *	Installs a seccomp filter under which socket(2) for that family
 *	fails with EAFNOSUPPORT, as it does on a kernel booted with
 *	ipv6.disable=1 (or built without IPv4), then execs the command.
 *	Every other system call, and socket(2) for other families, is
 *	allowed.  The filter is inherited by the command's children and
 *	cannot be lifted.  Exits 77 (the tests' "skip") when this kernel
 *	or architecture cannot filter so, 2 on bad usage.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <err.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH	AUDIT_ARCH_AARCH64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARCH	AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define ARCH	AUDIT_ARCH_S390X
#elif defined(__riscv) && __riscv_xlen == 64
#define ARCH	AUDIT_ARCH_RISCV64
#endif

/* where the low 32 bits of a 64-bit argument are */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LOW	4
#else
#define LOW	0
#endif

#define SKIP	77

int
main(int argc, char *argv[])
{
	unsigned int family;

	if (argc < 3) {
		fprintf(stderr, "usage: nofamily inet|inet6 command "
		    "[arg ...]\n");
		return 2;
	}
	if (strcmp(argv[1], "inet") == 0)
		family = AF_INET;
	else if (strcmp(argv[1], "inet6") == 0)
		family = AF_INET6;
	else
		errx(2, "%s: not inet or inet6", argv[1]);
#if !defined(ARCH) || !defined(__NR_socket)
	errx(SKIP, "no seccomp filter for socket(2) on this architecture");
#else
	{
		/*
		 * On another architecture (a 32-bit program on a 64-bit
		 * kernel) the numbers differ: such a call is refused.
		 * Only the low 32 bits of the family are compared, as the
		 * kernel reads it as an int.
		 */
		struct sock_filter code[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			    offsetof(struct seccomp_data, arch)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
			BPF_STMT(BPF_RET | BPF_K,
			    SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			    offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 3),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			    offsetof(struct seccomp_data, args[0]) + LOW),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, family, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO |
			    (EAFNOSUPPORT & SECCOMP_RET_DATA)),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {
			.len = sizeof(code) / sizeof(code[0]),
			.filter = code,
		};

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
			err(SKIP, "PR_SET_NO_NEW_PRIVS");
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0,
		    &prog) == -1)
			err(SKIP, "seccomp");
	}
#endif
	execvp(argv[2], argv + 2);
	err(errno == ENOENT ? 127 : 126, "%s", argv[2]);
}
