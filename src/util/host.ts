import { readFileSync } from 'node:fs';
import os from 'node:os';

export function hostCpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) return m[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

export function hostInfo() {
  return {
    hostname: os.hostname(),
    cpuModel: hostCpuModel(),
    kernel: os.release(),
    node: process.version,
    cores: os.availableParallelism(),
    memoryMiB: Math.round(os.totalmem() / 2 ** 20),
  };
}
