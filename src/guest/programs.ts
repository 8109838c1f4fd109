// Host programs a benchmark runs in the guest (iperf3 for the traffic benchmark), with the shared
// libraries and the ELF interpreter they need, resolved like kernel modules are (src/guest/modules.ts):
// the dynamic loader lists them (`ldd`), each goes into the image at the path it was found at, so the
// guest's ld.so finds them in its built-in system folders with no ld.so.cache and no LD_LIBRARY_PATH.
import { realpath, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { execCommand } from '../util/exec.js';
import { err, ok, type Result } from '../util/result.js';

/** ldd of one binary answers at once; a bound only so a broken loader cannot stall the image build. */
const LDD_TIMEOUT_MS = 30_000;

export interface ProgramFile {
  /** Absolute path in the guest, the same as on the host. */
  path: string;
  data: Uint8Array;
  mode: number;
}

/**
 * The files `ldd` says a binary loads: "name => /path (addr)" and the interpreter "/path (addr)". The
 * vDSO has no file; "not found" is an error naming the library (the program would not start in the guest).
 */
export function parseLdd(text: string, binary: string): Result<string[], string> {
  if (/not a dynamic executable|statically linked/.test(text)) return ok([]);
  const files: string[] = [];
  const missing: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const arrow = /^(\S+) => (.+?)(?: \(0x[0-9a-f]+\))?$/.exec(line);
    if (arrow) {
      const [, name, where] = arrow as unknown as [string, string, string];
      if (where === 'not found') missing.push(name);
      else if (path.isAbsolute(where)) files.push(where);
      continue;
    }
    const bare = /^(\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (bare) files.push(bare[1] as string);
  }
  if (missing.length > 0) return err(`${binary} needs ${missing.join(', ')}, which the host's loader cannot find`);
  return ok(files);
}

/** The binary and every file it loads, read from the host (symlinks followed: the image holds plain files). */
export async function collectProgram(binary: string, opts: { signal?: AbortSignal } = {}): Promise<Result<ProgramFile[], string>> {
  if (!path.isAbsolute(binary)) return err(`program ${binary}: an absolute path is needed`);
  const st = await stat(binary).catch(() => undefined);
  if (!st?.isFile()) return err(`${binary} not found on this host`);
  const ldd = await execCommand('ldd', [binary], { signal: opts.signal, timeoutMs: LDD_TIMEOUT_MS });
  // ldd exits 1 for a static binary ("not a dynamic executable"): that is an answer, not a failure.
  const text = ldd.ok ? ldd.value.stdout : ldd.error.stdout;
  if (!ldd.ok && !/not a dynamic executable/.test(`${text}${ldd.error.stderrTail}`))
    return err(`ldd ${binary} (package libc-bin): ${ldd.error.message}`);
  // Past the check above, a failed ldd is a static binary: it loads no other file.
  const libs = ldd.ok ? parseLdd(text, binary) : ok([]);
  if (!libs.ok) return libs;
  const out: ProgramFile[] = [];
  for (const p of [binary, ...libs.value]) {
    if (out.some((f) => f.path === p)) continue;
    out.push({ path: p, data: new Uint8Array(await readFile(await realpath(p))), mode: 0o755 });
  }
  return ok(out);
}
