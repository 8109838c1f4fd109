// One exit-code contract for command-line parse errors (src/cli/exit-codes.ts parseErrorExit): 64 for every
// command, 128 for `check` (git bisect run's "abort": any other non-zero code would mark the commit bad).
// The cases are derived from the real command tree, so a command added later is covered without editing this file.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Command, Option } from 'commander';
import { buildProgram, main } from '../../src/cli/main.js';
import { EXIT, parseErrorExit } from '../../src/cli/exit-codes.js';
import { CHECK_EXIT } from '../../src/bisect/check.js';
import { startCli } from '../support/run-cli.js';

interface Case {
  kind: string;
  args: string[];
  /** What commander says, so the case is known to fail for the intended reason and not another. */
  says: RegExp;
}

const leaves = (cmd: Command, path: string[] = []): { path: string[]; cmd: Command }[] =>
  cmd.commands.length === 0 ? [{ path, cmd }] : cmd.commands.flatMap((c) => leaves(c, [...path, c.name()]));

const optionsOf = (cmd: Command): readonly Option[] => cmd.options as readonly Option[];
/** Every mandatory option with a value commander accepts, so the other kinds of error are tested alone. */
const mandatory = (cmd: Command): string[] =>
  optionsOf(cmd)
    .filter((o) => o.mandatory)
    .flatMap((o) => [o.long!, o.argChoices?.[0] ?? 'x']);
const requiredArgs = (cmd: Command): string[] => cmd.registeredArguments.filter((a) => a.required).map(() => 'some-dir');

function casesOf(cmd: Command): Case[] {
  const base = [...mandatory(cmd), ...requiredArgs(cmd)];
  const cases: Case[] = [{ kind: 'unknown option', args: [...base, '--no-such-option'], says: /unknown option '--no-such-option'/ }];
  const variadic = cmd.registeredArguments.some((a) => a.variadic);
  if (!variadic) cases.push({ kind: 'extra argument', args: [...base, 'extra-argument'], says: /too many arguments/ });
  for (const o of optionsOf(cmd).filter((o) => o.mandatory)) {
    const others = optionsOf(cmd)
      .filter((x) => x.mandatory && x !== o)
      .flatMap((x) => [x.long!, x.argChoices?.[0] ?? 'x']);
    cases.push({
      kind: `missing required option ${o.long}`,
      args: [...others, ...requiredArgs(cmd)],
      says: /required option .* not specified/,
    });
  }
  for (const o of optionsOf(cmd).filter((o) => o.argChoices)) {
    cases.push({ kind: `invalid choice ${o.long}`, args: [...base, o.long!, 'no-such-choice'], says: /Allowed choices are/ });
  }
  const valued = optionsOf(cmd).find((o) => o.required && !o.mandatory);
  if (valued) cases.push({ kind: `missing option argument ${valued.long}`, args: [...base, valued.long!], says: /argument missing/ });
  if (requiredArgs(cmd).length > 0)
    cases.push({ kind: 'missing required argument', args: mandatory(cmd), says: /missing required argument/ });
  return cases;
}

const program = buildProgram(() => undefined);
const table = leaves(program).flatMap(({ path, cmd }) =>
  casesOf(cmd).map((c) => ({
    name: `${path.join(' ')}: ${c.kind}`,
    argv: [...path, ...c.args],
    says: c.says,
    code: parseErrorExit(path[0]!),
  })),
);
// Parents of subcommands (`cache`) meet an unknown subcommand.
for (const parent of program.commands.filter((c) => c.commands.length > 0)) {
  table.push({
    name: `${parent.name()}: unknown subcommand`,
    argv: [parent.name(), 'no-such-subcommand'],
    says: /unknown command/,
    code: parseErrorExit(parent.name()),
  });
}
table.push({ name: 'tailmatrix: unknown command', argv: ['no-such-command'], says: /unknown command/, code: EXIT.badInput });

let stderr = '';
beforeEach(() => {
  stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => vi.restoreAllMocks());

describe('parse errors exit 64, or 128 for check (git bisect abort)', () => {
  it('covers every command and every kind of parse error', () => {
    const commands = new Set(table.map((t) => t.argv[0]));
    expect([...commands].sort()).toEqual(
      program.commands
        .map((c) => c.name())
        .concat('no-such-command')
        .sort(),
    );
    const kinds = new Set(table.map((t) => t.name.split(': ')[1]!.replace(/ --.*/, '')));
    for (const k of ['unknown option', 'extra argument', 'missing required option', 'invalid choice', 'missing required argument'])
      expect(kinds).toContain(k);
    expect(parseErrorExit('check')).toBe(CHECK_EXIT.abort);
  });

  it.each(table)('$name → $code', async ({ argv, says, code }) => {
    expect(await main(['node', 'tailmatrix', ...argv])).toBe(code);
    expect(stderr).toMatch(says);
  });

  it('help and version still exit 0, on the program and on a subcommand', async () => {
    for (const argv of [['--help'], ['--version'], ['check', '--help'], ['cache', 'prune', '--help']])
      expect(await main(['node', 'tailmatrix', ...argv])).toBe(0);
  });

  it('the real process exits with the same codes', async () => {
    const [check, run] = await Promise.all([
      startCli(['check', '--metric', 'direct', '--threshhold', '5']),
      startCli(['run', '--accel', 'fast']),
    ]);
    expect({ check: check.exitCode, run: run.exitCode }).toEqual({ check: 128, run: 64 });
    expect(check.all).toMatch(/unknown option '--threshhold'/);
    expect(run.all).toMatch(/Allowed choices are auto, kvm, tcg/);
  }, 60_000);
});
