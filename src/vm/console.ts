// Reading the guest console (ttyS0) as it streams: the banners images/init prints, kernel panics, and
// QEMU's own complaints. Only the boot's progress is read here; measurements never come from the
// console (they come from ttyS1, see bpf/PROTOCOL.md).

/** How many console lines a cell result keeps: enough to see a panic's backtrace and what led to it. */
export const CONSOLE_TAIL_LINES = 50;

/** Prefix of every banner images/init prints. */
export const INIT_BANNER = 'tailmatrix-init: ';

type ConsoleMark =
  | { kind: 'init-start' } // /init runs: the kernel booted
  | { kind: 'agent-start' }
  | { kind: 'agent-exit'; code: number }
  | { kind: 'probe-ok' }
  | { kind: 'insmod-failed'; module: string }
  | { kind: 'panic'; text: string }
  | { kind: 'kvm-error'; text: string };

// "Kernel panic - not syncing: ..." on every kernel since 2.6; the oops banner alone is not fatal.
const PANIC_RE = /Kernel panic - not syncing:?\s*(.*)$/;
// QEMU on a broken KVM: "KVM internal error. Suberror: 1" / "emulation failure" (docs/architecture.md).
const KVM_ERROR_RE =
  /(KVM internal error.*|KVM: entry failed.*|kvm run failed.*|failed to initialize kvm.*|Could not access KVM kernel module.*)/i;

/** What one console (or QEMU stderr) line says about the boot, if anything. */
export function classifyLine(line: string): ConsoleMark | undefined {
  const at = line.indexOf(INIT_BANNER);
  if (at >= 0) {
    const words = line
      .slice(at + INIT_BANNER.length)
      .trim()
      .split(/\s+/);
    switch (words[0]) {
      case 'start':
        return { kind: 'init-start' };
      case 'agent-start':
        return { kind: 'agent-start' };
      case 'agent-exit':
        return { kind: 'agent-exit', code: Number(words[1] ?? NaN) };
      case 'probe-ok':
        return { kind: 'probe-ok' };
      case 'insmod-failed':
        return { kind: 'insmod-failed', module: words[1] ?? '?' };
    }
    return undefined;
  }
  const panic = PANIC_RE.exec(line);
  if (panic) return { kind: 'panic', text: (panic[1] ?? '').trim() };
  const kvm = KVM_ERROR_RE.exec(line);
  if (kvm) return { kind: 'kvm-error', text: (kvm[1] ?? '').trim() };
  return undefined;
}

/** What the console showed over a whole boot. */
export interface ConsoleState {
  initStarted: boolean;
  agentStarted: boolean;
  agentExit?: number;
  probeOk: boolean;
  panic?: string;
  kvmError?: string;
  insmodFailed: string[];
}

/** Keeps the last lines and folds the marks into a ConsoleState. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes is the point
const ANSI_ESCAPE = /\x1b\[[0-9;?]*[A-Za-z]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control bytes is the point
const CONTROL_BYTES = /[\x00-\x08\x0b-\x1f\x7f]/g;

export class ConsoleWatcher {
  readonly state: ConsoleState = { initStarted: false, agentStarted: false, probeOk: false, insmodFailed: [] };
  private readonly lines: string[] = [];

  constructor(private readonly keep = CONSOLE_TAIL_LINES) {}

  /** Records the line and returns its mark, so the caller can react (panic → stop waiting). */
  push(rawLine: string): ConsoleMark | undefined {
    // Serial output carries \r and the odd escape sequence; keep the tail readable in JSON and HTML.
    const line = rawLine.replace(/\r/g, '').replace(ANSI_ESCAPE, '').replace(CONTROL_BYTES, '');
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.shift();
    const mark = classifyLine(line);
    if (!mark) return undefined;
    switch (mark.kind) {
      case 'init-start':
        this.state.initStarted = true;
        break;
      case 'agent-start':
        this.state.agentStarted = true;
        break;
      case 'agent-exit':
        this.state.agentExit = mark.code;
        break;
      case 'probe-ok':
        this.state.probeOk = true;
        break;
      case 'insmod-failed':
        this.state.insmodFailed.push(mark.module);
        break;
      case 'panic':
        this.state.panic ??= mark.text;
        break;
      case 'kvm-error':
        this.state.kvmError ??= mark.text;
        break;
    }
    return mark;
  }

  tail(): string[] {
    return [...this.lines];
  }
}
