"""The seccomp filter every sandboxed program runs under: a deny-list, assembled here as classic BPF.

bwrap installs it (`--seccomp FD`) just before it execs the command inside, so the resident launcher, the exec
chain and every program inherit it, and no process in the sandbox can remove it. What it denies, with EPERM:

- kernel keyrings (add_key, keyctl, request_key): a uid's keyrings live in the kernel, outside every
  namespace, so a key one run adds would be read by the next run of that uid and by host processes of it;
- new namespaces (unshare, setns, clone with a CLONE_NEW* flag): a user namespace hands a program every
  capability inside it, and with them the kernel's least-tested code (mounts, netfilter, ...);
- debugging and tracing (ptrace, process_vm_readv/writev, perf_event_open), eBPF (bpf), userfaultfd and
  io_uring: the usual ways an exploit gets a foothold, which no test program needs;
- what needs a capability the program never holds anyway (mount and the new mount API, pivot_root, swap,
  reboot, kexec, kernel modules, quotas, accounting, clock setting, open_by_handle_at): denied by name too, so
  the filter alone keeps them out;
- every socket but a unix one (`socket` with any domain other than AF_UNIX fails with EAFNOSUPPORT, as on a
  kernel built without that family): no program here needs the network, and an IP socket carries state past
  its run (a port in TIME_WAIT for 60 s: the next run's bind fails, or reads bytes from the peers' addresses)
  and queues buffers the memory cgroup does not count (cgroup v1 charges TCP only when its tcp limit is set,
  UDP never). Unix sockets' buffers are charged to the run's cgroup; one the run leaves alive (in flight) makes
  the resident sandbox unclean (`launcher.settle`);
- O_TMPFILE (EOPNOTSUPP, as on a filesystem without it; libc and Python fall back to a named file) and openat2
  (ENOSYS: its flags sit in memory a filter cannot read): an unnamed file takes an inode number of the resident
  sandbox's /tmp without changing the dir, which is how the launcher tells whether a run made one.

This is the docker/podman default profile's list of dangerous calls, turned around: an allow-list of several
hundred calls would break runtimes in ways no test here would show. clone3 returns ENOSYS (its flags sit in
memory a filter cannot read), so glibc and the runtimes fall back to clone, whose flags it checks. A call from
another ABI (i386 `int 0x80` or x32 on x86-64) returns ENOSYS: syscall numbers differ there, and a deny-list
keyed by the native numbers would not hold.
"""

from __future__ import annotations

import functools
import os
import platform
import struct
from dataclasses import dataclass

# struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6] (little-endian: low word first)
NR_OFFSET, ARCH_OFFSET, ARG0_OFFSET = 0, 4, 16
LD_W_ABS, JEQ_K, JGE_K, JSET_K, RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
RET_ALLOW, RET_ERRNO = 0x7FFF0000, 0x00050000
EPERM, ENOSYS, EOPNOTSUPP, EAFNOSUPPORT = 1, 38, 95, 97
AF_UNIX = 1
O_TMPFILE_BIT = 0o20000000  # __O_TMPFILE, the same on x86_64 and aarch64
X32_SYSCALL_BIT = 0x40000000
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET (CLONE_NEWTIME's bit is the exit signal's in
# clone's flags; it only exists for unshare and clone3, both denied whole).
CLONE_NEW_MASK = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000

DENIED = (
    "add_key", "keyctl", "request_key",
    "unshare", "setns",
    "ptrace", "process_vm_readv", "process_vm_writev", "perf_event_open", "bpf", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "mount", "umount2", "pivot_root", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
    "mount_setattr", "swapon", "swapoff", "reboot", "kexec_load", "kexec_file_load", "init_module",
    "finit_module", "delete_module", "quotactl", "acct", "settimeofday", "clock_settime", "clock_adjtime",
    "adjtimex", "open_by_handle_at",
)  # fmt: skip


@dataclass(frozen=True)
class Arch:
    audit: int  # AUDIT_ARCH_* of the native ABI
    numbers: dict[str, int]  # syscall numbers of the native ABI (asm/unistd_64.h, asm-generic/unistd.h)
    x32: bool = False  # whether numbers with X32_SYSCALL_BIT reach the kernel as another ABI


# fmt: off
_MOUNT_API = {"open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433}
_COMMON = {**_MOUNT_API, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427}
_COMMON |= {"mount_setattr": 442, "clone3": 435, "openat2": 437}
ARCHES = {
    "x86_64": Arch(
        audit=0xC000003E,
        x32=True,
        numbers={
            **_COMMON, "socket": 41, "open": 2, "openat": 257, "clone": 56, "ptrace": 101, "adjtimex": 159,
            "pivot_root": 155, "acct": 163,
            "settimeofday": 164, "mount": 165, "umount2": 166, "swapon": 167, "swapoff": 168, "reboot": 169,
            "init_module": 175, "delete_module": 176, "quotactl": 179, "clock_settime": 227,
            "kexec_load": 246, "add_key": 248, "request_key": 249, "keyctl": 250, "unshare": 272,
            "perf_event_open": 298, "open_by_handle_at": 304, "clock_adjtime": 305, "setns": 308,
            "process_vm_readv": 310, "process_vm_writev": 311, "finit_module": 313, "kexec_file_load": 320,
            "bpf": 321, "userfaultfd": 323,
        },
    ),
    "aarch64": Arch(
        audit=0xC00000B7,
        numbers={
            **_COMMON, "umount2": 39, "mount": 40, "pivot_root": 41, "quotactl": 60, "acct": 89, "unshare": 97,
            "socket": 198, "openat": 56,
            "kexec_load": 104, "init_module": 105, "delete_module": 106, "clock_settime": 112, "ptrace": 117,
            "reboot": 142, "settimeofday": 170, "adjtimex": 171, "add_key": 217, "request_key": 218,
            "keyctl": 219, "clone": 220, "swapon": 224, "swapoff": 225, "perf_event_open": 241,
            "open_by_handle_at": 265, "clock_adjtime": 266, "setns": 268, "process_vm_readv": 270,
            "process_vm_writev": 271, "finit_module": 273, "bpf": 280, "userfaultfd": 282,
            "kexec_file_load": 294,
        },
    ),
}
# fmt: on


def _insn(code: int, k: int, jt: int | str = 0, jf: int | str = 0) -> tuple[int, int | str, int | str, int]:
    return (code, jt, jf, k)


def assemble(arch: Arch) -> bytes:
    """The filter as `struct sock_filter[]` bytes, what bwrap's --seccomp reads. Jumps name their target label
    ("allow", "eperm", "enosys", "clone", ...); they are resolved to the 8-bit forward offsets cBPF takes."""
    body: list[tuple[int, int | str, int | str, int]] = [
        _insn(LD_W_ABS, ARCH_OFFSET),
        _insn(JEQ_K, arch.audit, 0, "enosys"),
        _insn(LD_W_ABS, NR_OFFSET),
    ]
    if arch.x32:
        body.append(_insn(JGE_K, X32_SYSCALL_BIT, "enosys", 0))
    for name in DENIED:
        body.append(_insn(JEQ_K, arch.numbers[name], "eperm", 0))
    body.append(_insn(JEQ_K, arch.numbers["clone3"], "enosys", 0))
    body.append(_insn(JEQ_K, arch.numbers["openat2"], "enosys", 0))
    body.append(_insn(JEQ_K, arch.numbers["socket"], "socket", 0))
    body.append(_insn(JEQ_K, arch.numbers["openat"], "openat", 0))
    if "open" in arch.numbers:
        body.append(_insn(JEQ_K, arch.numbers["open"], "open", 0))
    body.append(_insn(JEQ_K, arch.numbers["clone"], "clone", "allow"))
    tail = {
        "clone": [_insn(LD_W_ABS, ARG0_OFFSET), _insn(JSET_K, CLONE_NEW_MASK, "eperm", "allow")],
        # the domain is an int: its low word is all the kernel reads
        "socket": [_insn(LD_W_ABS, ARG0_OFFSET), _insn(JEQ_K, AF_UNIX, "allow", "eafnosupport")],
        # the flags: open's second argument, openat's third
        "open": [_insn(LD_W_ABS, ARG0_OFFSET + 8), _insn(JSET_K, O_TMPFILE_BIT, "eopnotsupp", "allow")],
        "openat": [_insn(LD_W_ABS, ARG0_OFFSET + 16), _insn(JSET_K, O_TMPFILE_BIT, "eopnotsupp", "allow")],
        "allow": [_insn(RET_K, RET_ALLOW)],
        "eperm": [_insn(RET_K, RET_ERRNO | EPERM)],
        "enosys": [_insn(RET_K, RET_ERRNO | ENOSYS)],
        "eafnosupport": [_insn(RET_K, RET_ERRNO | EAFNOSUPPORT)],
        "eopnotsupp": [_insn(RET_K, RET_ERRNO | EOPNOTSUPP)],
    }
    labels: dict[str, int] = {}
    program = list(body)
    for label, insns in tail.items():
        labels[label] = len(program)
        program += insns
    out = bytearray()
    for pc, (code, jt, jf, k) in enumerate(program):
        offsets = [labels[j] - pc - 1 if isinstance(j, str) else j for j in (jt, jf)]
        if not all(0 <= off <= 255 for off in offsets):
            raise ValueError(f"seccomp: jump out of range at instruction {pc}")
        out += struct.pack("=HBBI", code, offsets[0], offsets[1], k)
    return bytes(out)


@functools.cache
def native_program() -> bytes | None:
    """The filter for this machine's ABI; None where no syscall table is known (the sandbox says so once)."""
    arch = ARCHES.get(platform.machine())
    return assemble(arch) if arch else None


def program_fd(program: bytes) -> int:
    """A pipe's read end holding `program`, for bwrap's --seccomp (it reads to EOF; a filter of a few hundred
    bytes fits the pipe's buffer, so the write never blocks). The caller hands it over and closes it."""
    read, write = os.pipe()
    try:
        os.write(write, program)
    finally:
        os.close(write)
    return read
