/**
 * The seccomp filter exec's bubblewrap sandbox loads (`bwrap --seccomp FD`): a classic-BPF program
 * that lets every system call through except the ones that would reach a Unix socket file on the
 * read-only filesystem (the session bus, docker.sock, an ssh or gpg agent: a fresh network namespace
 * does not cut those off).
 *
 * - `socket(AF_UNIX, …)` fails with EACCES: no Unix socket can be made to connect or send anywhere.
 * - `socketpair(AF_UNIX, SOCK_DGRAM, …)` fails too: a datagram socket may `sendto` a path even once
 *   paired. Stream and seqpacket pairs (connected already, they cannot connect elsewhere) still work.
 * - `io_uring_setup` fails: io_uring's socket operation makes sockets without the socket call.
 * - A system call of another ABI (x32, or 32-bit code on a 64-bit kernel, whose socketcall the filter
 *   could not read) kills the process.
 */

/** The architectures hearth has a filter for, with the system call numbers it reads (from the kernel's tables). */
const ARCHITECTURES = {
  x64: { audit: 0xc000003e, socket: 41, socketpair: 53, ioUringSetup: 425, x32Bit: 0x40000000 },
  arm64: { audit: 0xc00000b7, socket: 198, socketpair: 199, ioUringSetup: 425, x32Bit: undefined },
} as const;

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
/** The socket type without SOCK_NONBLOCK and SOCK_CLOEXEC. */
const SOCK_TYPE_MASK = 0xf;
const EACCES = 13;

// struct seccomp_data: nr at 0, arch at 4, args[n] at 16 + 8n (the low 32 bits first: both architectures are little-endian).
const NR = 0;
const ARCH = 4;
const ARG0 = 16;
const ARG1 = 24;

const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const AND_K = 0x54;
const RET_K = 0x06;

const RET_ALLOW = 0x7fff0000;
const RET_KILL_PROCESS = 0x80000000;
const RET_ERRNO = 0x00050000;

interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const load = (offset: number): Instruction => ({ code: LD_W_ABS, jt: 0, jf: 0, k: offset });
const ret = (value: number): Instruction => ({ code: RET_K, jt: 0, jf: 0, k: value });

/** The filter for this machine's architecture (`process.arch`), or undefined where hearth has none. */
export function unixSocketFilter(arch: string = process.arch): Buffer | undefined {
  const numbers = (ARCHITECTURES as Record<string, (typeof ARCHITECTURES)[keyof typeof ARCHITECTURES] | undefined>)[arch];
  if (!numbers) return undefined;
  // Jumps are relative to the next instruction; the labels at the end are counted back from there.
  const program: Instruction[] = [];
  const deny: Instruction = ret(RET_ERRNO | EACCES);
  const checks: { nr: number; then: Instruction[] }[] = [
    { nr: numbers.socket, then: [load(ARG0), { code: JEQ_K, jt: 0, jf: 1, k: AF_UNIX }, deny, ret(RET_ALLOW)] },
    { nr: numbers.socketpair, then: [load(ARG1), { code: AND_K, jt: 0, jf: 0, k: SOCK_TYPE_MASK }, { code: JEQ_K, jt: 0, jf: 1, k: SOCK_DGRAM }, deny, ret(RET_ALLOW)] },
    { nr: numbers.ioUringSetup, then: [deny] },
  ];
  program.push(load(ARCH), { code: JEQ_K, jt: 1, jf: 0, k: numbers.audit }, ret(RET_KILL_PROCESS), load(NR));
  if (numbers.x32Bit !== undefined) program.push({ code: JGE_K, jt: 0, jf: 1, k: numbers.x32Bit }, ret(RET_KILL_PROCESS));
  // Each check: if the call matches, fall into its block; else jump over the block to the next check.
  for (const check of checks) {
    program.push({ code: JEQ_K, jt: 0, jf: check.then.length, k: check.nr }, ...check.then);
  }
  program.push(ret(RET_ALLOW));
  return encode(program);
}

/** struct sock_filter, as the kernel reads it: u16 code, u8 jt, u8 jf, u32 k, in the machine's (little-endian) order. */
function encode(program: readonly Instruction[]): Buffer {
  const buffer = Buffer.alloc(program.length * 8);
  program.forEach((instruction, index) => {
    buffer.writeUInt16LE(instruction.code, index * 8);
    buffer.writeUInt8(instruction.jt, index * 8 + 2);
    buffer.writeUInt8(instruction.jf, index * 8 + 3);
    buffer.writeUInt32LE(instruction.k >>> 0, index * 8 + 4);
  });
  return buffer;
}
