// The command the user actually has. A package installed per project (the README's way) is not on PATH:
// there a hint saying "run `tailmatrix lock`" fails, and `npx tailmatrix lock` works. Bare `tailmatrix` is
// named only when `tailmatrix` on PATH is this very script (a global install, a linked checkout).
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

const real = (p: string): string | undefined => {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
};

export function userCommand(script: string | undefined = process.argv[1], env: NodeJS.ProcessEnv = process.env): string {
  const self = script === undefined ? undefined : real(script);
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'tailmatrix');
    if (existsSync(candidate)) return self !== undefined && real(candidate) === self ? 'tailmatrix' : 'npx tailmatrix';
  }
  return 'npx tailmatrix';
}

/** A message's "`tailmatrix …`" hints, in the command the user has ("`npx tailmatrix …`" when that is it). */
export function forUser(text: string, command: string = userCommand()): string {
  return command === 'tailmatrix' ? text : text.replace(/(^|[`(\s])tailmatrix (?=[a-z])/g, `$1${command} `);
}
