// Run kbuild out of tree (`make -C <src> O=<obj>`), every line into the build log and the last one to
// the progress callback. Timeouts and Ctrl-C go through the process wrapper, which kills make's whole
// process group; kbuild deletes a half-written target on SIGTERM and rebuilds any target without its
// .cmd file, so the object directory stays usable for the next (incremental) build.
import { createWriteStream, type WriteStream } from 'node:fs';
import os from 'node:os';
import { archProfile, hostArch, type Arch } from '../../arch/index.js';
import { execCommand, type ExecFailure } from '../../util/exec.js';
import { err, ok, type Result } from '../../util/result.js';

export interface MakeEnv {
  srcTree: string;
  objDir: string;
  /** Parallel jobs: default the cores this process may use. */
  jobs: number;
  /** "ccache gcc" when ccache is installed, else "gcc" (with the cross prefix for another architecture). */
  cc: string;
  /** The kernel's architecture: make ARCH= and, on a host of another architecture, CROSS_COMPILE= (from src/arch/). */
  arch: Arch;
  signal?: AbortSignal;
  /** Deadline for this make invocation. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Every output line (already written to the log). */
  onLine?: (line: string) => void;
  log: WriteStream;
}

export function defaultJobs(): number {
  return os.availableParallelism();
}

/** The cross compiler's prefix ("aarch64-linux-gnu-") when `arch` is not the host's, else "" (the host's gcc). */
export function crossPrefix(arch: Arch, host: Arch | undefined = hostArch()): string {
  return host === arch ? '' : archProfile(arch).kbuild.crossCompile;
}

/** The make command line, for logs, --dry-run and tests. */
export function makeArgs(
  m: Pick<MakeEnv, 'srcTree' | 'objDir' | 'jobs' | 'cc' | 'arch'>,
  targets: readonly string[],
  host: Arch | undefined = hostArch(),
): string[] {
  const cross = crossPrefix(m.arch, host);
  return [
    '-C',
    m.srcTree,
    `O=${m.objDir}`,
    // The profile's ARCH (x86_64, not x86: tinyconfig then gives a 64-bit kernel; arm64).
    `ARCH=${archProfile(m.arch).kbuild.arch}`,
    // CC below already names the cross gcc; CROSS_COMPILE gives kbuild the matching ld, objcopy, nm.
    ...(cross !== '' ? [`CROSS_COMPILE=${cross}`] : []),
    // Set but empty: no "+" suffix from setlocalversion for a git tree that is not at a tag.
    'LOCALVERSION=',
    `CC=${m.cc}`,
    `-j${m.jobs}`,
    ...targets,
  ];
}

/** Fixed build user and host: the kernel's version string should not depend on who built it. */
const BUILD_ENV = { KBUILD_BUILD_USER: 'tailmatrix', KBUILD_BUILD_HOST: 'tailmatrix' };

export function openLog(file: string): WriteStream {
  return createWriteStream(file, { flags: 'a' });
}

export async function make(m: MakeEnv, targets: readonly string[]): Promise<Result<{ durationMs: number }, ExecFailure>> {
  const args = makeArgs(m, targets);
  m.log.write(`$ make ${args.join(' ')}\n`);
  const res = await execCommand('make', args, {
    env: { ...m.env, ...BUILD_ENV },
    signal: m.signal,
    timeoutMs: m.timeoutMs,
    discardOutput: true,
    onLine: (line) => {
      m.log.write(`${line}\n`);
      m.onLine?.(line);
    },
  });
  if (!res.ok) {
    m.log.write(`! ${res.error.message.split('\n')[0] ?? ''}\n`);
    return err(res.error);
  }
  return ok({ durationMs: res.value.durationMs });
}
