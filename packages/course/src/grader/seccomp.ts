/**
 * The seccomp filter a grading kernel runs under (grader process; bubblewrap installs it with
 * `--seccomp FD` just before it starts the kernel). A classic-BPF program, written out here as
 * Flatpak and Docker write theirs with libseccomp, for the two architectures reglab grades on:
 *
 * - another ABI than the machine's own (i386 `int 0x80` on x86_64, x32) kills the process;
 * - what could leave or weaken the sandbox fails with EPERM: mounts and the new mount API, namespaces
 *   (unshare, setns, clone with a CLONE_NEW* flag), ptrace and process_vm_*, keyrings, bpf,
 *   perf_event_open, userfaultfd, modules, kexec, reboot, swap, chroot, file handles, clocks;
 * - clone3 and io_uring fail with ENOSYS, so glibc and libuv fall back to clone and plain syscalls
 *   (clone3's flags sit behind a pointer a filter cannot read);
 * - sockets other than AF_UNIX fail with EAFNOSUPPORT (the kernel talks ZeroMQ over unix sockets).
 *
 * Everything else is allowed: Node, tslab, zeromq and the wasm backend's threads run unchanged.
 */
import { arch } from "node:os";

/** The syscalls a kernel never needs that could loosen its sandbox, by name (numbers below). */
export const DENIED_SYSCALLS = [
  "ptrace",
  "process_vm_readv",
  "process_vm_writev",
  "pidfd_getfd",
  "kcmp",
  "mount",
  "umount2",
  "pivot_root",
  "move_mount",
  "open_tree",
  "fsopen",
  "fsconfig",
  "fsmount",
  "fspick",
  "mount_setattr",
  "chroot",
  "unshare",
  "setns",
  "keyctl",
  "add_key",
  "request_key",
  "bpf",
  "perf_event_open",
  "userfaultfd",
  "fanotify_init",
  "open_by_handle_at",
  "name_to_handle_at",
  "init_module",
  "finit_module",
  "delete_module",
  "kexec_load",
  "kexec_file_load",
  "reboot",
  "swapon",
  "swapoff",
  "syslog",
  "acct",
  "quotactl",
  "quotactl_fd",
  "lookup_dcookie",
  "vhangup",
  "settimeofday",
  "clock_settime",
  "clock_adjtime",
  "adjtimex",
  "sethostname",
  "setdomainname",
] as const;

/** Syscalls answered ENOSYS, so their callers use the older calls the filter can inspect. */
export const UNAVAILABLE_SYSCALLS = ["clone3", "io_uring_setup", "io_uring_enter", "io_uring_register"] as const;

type Syscall = (typeof DENIED_SYSCALLS)[number] | (typeof UNAVAILABLE_SYSCALLS)[number] | "clone" | "socket";

interface Architecture {
  /** AUDIT_ARCH_* of <linux/audit.h>. */
  auditArch: number;
  /** Syscall numbers larger than this belong to another ABI (x32 on x86_64). */
  maxNr?: number;
  /** From <asm/unistd_64.h> (x86_64) and <asm-generic/unistd.h> (aarch64). */
  numbers: Record<Syscall, number>;
}

const X86_64: Architecture = {
  auditArch: 0xc000003e,
  maxNr: 0x3fffffff,
  numbers: {
    ptrace: 101,
    process_vm_readv: 310,
    process_vm_writev: 311,
    pidfd_getfd: 438,
    kcmp: 312,
    mount: 165,
    umount2: 166,
    pivot_root: 155,
    move_mount: 429,
    open_tree: 428,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    mount_setattr: 442,
    chroot: 161,
    unshare: 272,
    setns: 308,
    keyctl: 250,
    add_key: 248,
    request_key: 249,
    bpf: 321,
    perf_event_open: 298,
    userfaultfd: 323,
    fanotify_init: 300,
    open_by_handle_at: 304,
    name_to_handle_at: 303,
    init_module: 175,
    finit_module: 313,
    delete_module: 176,
    kexec_load: 246,
    kexec_file_load: 320,
    reboot: 169,
    swapon: 167,
    swapoff: 168,
    syslog: 103,
    acct: 163,
    quotactl: 179,
    quotactl_fd: 443,
    lookup_dcookie: 212,
    vhangup: 153,
    settimeofday: 164,
    clock_settime: 227,
    clock_adjtime: 305,
    adjtimex: 159,
    sethostname: 170,
    setdomainname: 171,
    clone3: 435,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
    clone: 56,
    socket: 41,
  },
};

const AARCH64: Architecture = {
  auditArch: 0xc00000b7,
  numbers: {
    ptrace: 117,
    process_vm_readv: 270,
    process_vm_writev: 271,
    pidfd_getfd: 438,
    kcmp: 272,
    mount: 40,
    umount2: 39,
    pivot_root: 41,
    move_mount: 429,
    open_tree: 428,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    mount_setattr: 442,
    chroot: 51,
    unshare: 97,
    setns: 268,
    keyctl: 219,
    add_key: 217,
    request_key: 218,
    bpf: 280,
    perf_event_open: 241,
    userfaultfd: 282,
    fanotify_init: 262,
    open_by_handle_at: 265,
    name_to_handle_at: 264,
    init_module: 105,
    finit_module: 273,
    delete_module: 106,
    kexec_load: 104,
    kexec_file_load: 294,
    reboot: 142,
    swapon: 224,
    swapoff: 225,
    syslog: 116,
    acct: 89,
    quotactl: 60,
    quotactl_fd: 443,
    lookup_dcookie: 18,
    vhangup: 58,
    settimeofday: 170,
    clock_settime: 112,
    clock_adjtime: 266,
    adjtimex: 171,
    sethostname: 161,
    setdomainname: 162,
    clone3: 435,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
    clone: 220,
    socket: 198,
  },
};

/** The architectures a filter can be written for, by Node's `os.arch()`. */
export const SECCOMP_ARCHITECTURES: Record<string, Architecture> = { x64: X86_64, arm64: AARCH64 };

// Classic BPF (<linux/filter.h>, <linux/seccomp.h>).
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGT_K = 0x25;
const JSET_K = 0x45;
const RET_K = 0x06;
const RET_KILL_PROCESS = 0x80000000;
const RET_ALLOW = 0x7fff0000;
const retErrno = (errno: number) => 0x00050000 | errno;
const EPERM = 1;
const ENOSYS = 38;
const EAFNOSUPPORT = 97;
const AF_UNIX = 1;
/** CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME. */
const CLONE_NEW_ANY = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x80;
/** Offsets in struct seccomp_data: nr, arch, then args[] (the low 32 bits of args[0] on little-endian). */
const NR = 0;
const ARCH = 4;
const ARG0_LOW = 16;

interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const load = (offset: number): Instruction => ({ code: LD_W_ABS, jt: 0, jf: 0, k: offset });
const ret = (value: number): Instruction => ({ code: RET_K, jt: 0, jf: 0, k: value });
/** Skips `skip` instructions when the test (A op k) fails; goes on to the next when it holds. */
const skipUnless = (code: number, k: number, skip: number): Instruction => ({ code, jt: 0, jf: skip, k });
/** Skips `skip` instructions when the test (A op k) holds. */
const skipIf = (code: number, k: number, skip: number): Instruction => ({ code, jt: skip, jf: 0, k });

/** The filter as instructions, for `arch` (Node's names: "x64", "arm64"). */
export function seccompProgram(machine = arch()): Instruction[] {
  const target = SECCOMP_ARCHITECTURES[machine];
  if (!target) throw new Error(`no seccomp filter for the ${machine} architecture (reglab writes x64 and arm64)`);
  const { numbers } = target;
  const program: Instruction[] = [load(ARCH), skipIf(JEQ_K, target.auditArch, 1), ret(RET_KILL_PROCESS), load(NR)];
  if (target.maxNr !== undefined) program.push(skipUnless(JGT_K, target.maxNr, 1), ret(RET_KILL_PROCESS));
  for (const name of DENIED_SYSCALLS) program.push(skipUnless(JEQ_K, numbers[name], 1), ret(retErrno(EPERM)));
  for (const name of UNAVAILABLE_SYSCALLS) program.push(skipUnless(JEQ_K, numbers[name], 1), ret(retErrno(ENOSYS)));
  program.push(
    // clone with any CLONE_NEW* flag: EPERM; threads and plain forks go on.
    skipUnless(JEQ_K, numbers.clone, 4),
    load(ARG0_LOW),
    skipUnless(JSET_K, CLONE_NEW_ANY, 1),
    ret(retErrno(EPERM)),
    ret(RET_ALLOW),
    // socket(domain, …): only AF_UNIX.
    skipUnless(JEQ_K, numbers.socket, 4),
    load(ARG0_LOW),
    skipIf(JEQ_K, AF_UNIX, 1),
    ret(retErrno(EAFNOSUPPORT)),
    ret(RET_ALLOW),
    ret(RET_ALLOW),
  );
  return program;
}

/** The filter as bubblewrap reads it from `--seccomp FD`: struct sock_filter[], little-endian. */
export function seccompFilter(machine = arch()): Buffer {
  const program = seccompProgram(machine);
  const bytes = Buffer.alloc(program.length * 8);
  program.forEach(({ code, jt, jf, k }, i) => {
    bytes.writeUInt16LE(code, i * 8);
    bytes.writeUInt8(jt, i * 8 + 2);
    bytes.writeUInt8(jf, i * 8 + 3);
    bytes.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return bytes;
}
