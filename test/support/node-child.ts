// A real second process running a snippet of TypeScript (through tsx): for tests of what two processes
// do to each other (locks, prune, temp folders of dead runs).
import { spawn, type ChildProcess } from 'node:child_process';

export interface NodeChild {
  child: ChildProcess;
  /** Resolves when the child printed this exact line. */
  line: (text: string) => Promise<void>;
  lines: string[];
  exited: Promise<number | null>;
}

export function startNode(code: string): NodeChild {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: { text: string; resolve: () => void }[] = [];
  let pending = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\n');
    pending = parts.pop() ?? '';
    for (const l of parts) {
      lines.push(l);
      for (const w of waiters.filter((x) => x.text === l)) w.resolve();
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    line: (text) =>
      lines.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ text, resolve });
            void exited.then(() => reject(new Error(`child exited before printing "${text}"; it printed: ${lines.join(' | ')}`)));
          }),
  };
}
