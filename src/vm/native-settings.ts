// The host settings a running-kernel cell depends on: read before the agent runs, written back after
// it ended, however it ended. The agent restores what it changed on its own exit and signals
// (bpf/sysctls.c); this is the second line, for the end it cannot see (SIGKILL, a crash mid-restore).
// Synchronous on purpose: restoreSettings must also run inside process.on('exit').
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface HostSetting {
  /** sysctl name, e.g. net.core.bpf_jit_harden. */
  name: string;
  /** The value the agent sets (bpf/sysctls.c); absent for a setting it never touches, only watched. */
  want?: string;
  /** `want` is a ceiling, not a target: a lower value is left as found. */
  atMost?: boolean;
  /** Lowering it weakens the host: refused without --unharden-host. */
  hardening?: boolean;
}

export const HOST_SETTINGS: readonly HostSetting[] = [
  { name: 'net.core.bpf_jit_enable', want: '1' },
  // Constant blinding forces the indirect path for the direct variant: the measurement needs it off.
  { name: 'net.core.bpf_jit_harden', want: '0', hardening: true },
  { name: 'net.core.bpf_jit_kallsyms', want: '1' },
  // So the JITed images and their addresses can be read back (the proof of which jump ran): at 1 root
  // still reads them (CAP_SYSLOG); only 2 hides them from root too.
  { name: 'kernel.kptr_restrict', want: '1', atMost: true, hardening: true },
  // Never changed by tailmatrix; watched so that anything that did change it would show.
  { name: 'kernel.bpf_stats_enabled' },
];

const PROC_SYS = '/proc/sys';

/** Every setting's value as found; null when the file does not exist on this kernel. */
export type Snapshot = Record<string, string | null>;

export interface Change {
  name: string;
  from: string;
  to: string;
  hardening: boolean;
}

const fileOf = (root: string, name: string) => path.join(root, ...name.split('.'));

function readValue(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

export function readSettings(root = PROC_SYS): Snapshot {
  return Object.fromEntries(HOST_SETTINGS.map((s) => [s.name, readValue(fileOf(root, s.name))]));
}

/** What the agent will change on this host, and which of those changes weaken it. */
export function plannedChanges(found: Snapshot): Change[] {
  const changes: Change[] = [];
  for (const s of HOST_SETTINGS) {
    const from = found[s.name];
    if (s.want === undefined || from === null || from === undefined || from === s.want) continue;
    if (s.atMost && Number(from) <= Number(s.want)) continue;
    changes.push({ name: s.name, from, to: s.want, hardening: (s.hardening ?? false) && Number(s.want) < Number(from) });
  }
  return changes;
}

export const describeChange = (c: Change): string => `${c.name} ${c.from} → ${c.to}`;

/** Writes back every value that differs from the snapshot; what could not be put back, one line each. */
export function restoreSettings(found: Snapshot, root = PROC_SYS): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(found)) {
    if (value === null) continue;
    const file = fileOf(root, name);
    if (readValue(file) === value) continue;
    try {
      writeFileSync(file, `${value}\n`);
    } catch (e) {
      problems.push(`${name}: could not write back ${value}: ${(e as Error).message}`);
      continue;
    }
    const now = readValue(file);
    if (now !== value) problems.push(`${name}: wrote back ${value}, reads ${now ?? 'nothing'}`);
  }
  return problems;
}
