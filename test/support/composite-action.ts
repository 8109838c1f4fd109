// Runs a composite action's steps the way GitHub's runner does, for the test of action.yml: inputs with
// their defaults, each `if:` evaluated, each `run:` step as `bash --noprofile --norc -eo pipefail FILE`
// in the workspace with its `env:`, a fresh $GITHUB_OUTPUT file per step read back into
// steps.<id>.outputs, one $GITHUB_STEP_SUMMARY, and the action's outputs computed at the end. `uses:`
// steps (actions/cache) cannot run outside GitHub: they are listed as skipped. Only the expression
// forms action.yml uses are understood (contexts, 'strings', ==, !=, &&, ||); anything else throws.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

interface ActionStep {
  name?: string;
  id?: string;
  if?: string;
  shell?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}

export interface CompositeAction {
  inputs: Record<string, { required?: boolean; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

export interface StepRecord {
  name: string;
  status: 'success' | 'failure' | 'skipped (if)' | 'skipped (uses)' | 'skipped (earlier failure)';
  uses?: string;
  with?: Record<string, string>;
  output: string;
}

export interface ActionRun {
  steps: StepRecord[];
  outputs: Record<string, string>;
  /** The job fails when a step did. */
  failed: boolean;
}

/** action.yml as JSON, through Python's YAML reader (python3-yaml, in `setup --with-tests`). */
export async function readAction(file: string): Promise<CompositeAction> {
  const res = await execa('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', file], {
    reject: false,
  });
  if (res.exitCode !== 0) {
    throw new Error(
      `cannot read ${file} with python3's yaml module (install python3-yaml, or \`tailmatrix setup --with-tests\`): ${res.stderr}`,
    );
  }
  return JSON.parse(res.stdout) as CompositeAction;
}

type Contexts = Record<string, unknown>;

function lookup(ctx: Contexts, dotted: string): unknown {
  let value: unknown = ctx;
  for (const part of dotted.split('.')) {
    if (typeof value !== 'object' || value === null || !(part in value)) {
      if (dotted.startsWith('steps.')) return ''; // an output a skipped step never wrote
      throw new Error(`expression: unknown context '${dotted}'`);
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Evaluate one expression of the forms action.yml uses. */
export function evaluate(expr: string, ctx: Contexts): unknown {
  const tokens = expr.match(/'(?:[^']|'')*'|==|!=|&&|\|\||[\w.-]+|\S/g) ?? [];
  let i = 0;
  const atom = (): unknown => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`expression '${expr}': unexpected end`);
    if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
    if (t === 'true' || t === 'false') return t === 'true';
    if (/^[a-z_][\w-]*(\.[\w-]+)+$/i.test(t)) return lookup(ctx, t);
    throw new Error(`expression '${expr}': cannot evaluate '${t}' here`);
  };
  const comparison = (): unknown => {
    const left = atom();
    const op = tokens[i];
    if (op !== '==' && op !== '!=') return left;
    i++;
    const right = atom();
    // GitHub compares strings case-insensitively.
    const same = String(left).toLowerCase() === String(right).toLowerCase();
    return op === '==' ? same : !same;
  };
  const truthy = (v: unknown) => v !== '' && v !== false && v !== null && v !== undefined;
  const and = (): unknown => {
    let v = comparison();
    while (tokens[i] === '&&') {
      i++;
      const r = comparison();
      v = truthy(v) ? r : v;
    }
    return v;
  };
  let v = and();
  while (tokens[i] === '||') {
    i++;
    const r = and();
    v = truthy(v) ? v : r;
  }
  if (i !== tokens.length) throw new Error(`expression '${expr}': unexpected '${tokens[i]}'`);
  return v;
}

/** Replace every ${{ … }} in a string. */
export function substitute(text: string, ctx: Contexts): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, e: string) => String(evaluate(e.trim(), ctx) ?? ''));
}

/** `name=value` lines and `name<<DELIM … DELIM` blocks, as GitHub reads $GITHUB_OUTPUT. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      if (end < 0) throw new Error(`$GITHUB_OUTPUT: ${heredoc[1]} has no closing ${heredoc[2]}`);
      out[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

export interface RunActionOptions {
  actionPath: string;
  workspace: string;
  inputs: Record<string, string>;
  /** The job's environment: GITHUB_STEP_SUMMARY and whatever else the test wants the steps to see. */
  env: NodeJS.ProcessEnv;
}

export async function runCompositeAction(action: CompositeAction, opts: RunActionOptions): Promise<ActionRun> {
  if (action.runs.using !== 'composite') throw new Error(`not a composite action (runs.using: ${action.runs.using})`);
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    const given = opts.inputs[name];
    if (given === undefined && spec.required) throw new Error(`input '${name}' is required`);
    inputs[name] = given ?? spec.default ?? '';
  }
  for (const name of Object.keys(opts.inputs)) if (!(name in action.inputs)) throw new Error(`action.yml has no input '${name}'`);

  const temp = await mkdtemp(path.join(os.tmpdir(), 'tm-action-'));
  const steps: Record<string, { outputs: Record<string, string> }> = {};
  const ctx: Contexts = {
    inputs,
    steps,
    github: { action_path: opts.actionPath, workspace: opts.workspace },
    runner: { os: 'Linux', temp },
  };
  const records: StepRecord[] = [];
  let failed = false;
  for (const [n, step] of action.runs.steps.entries()) {
    const name = step.name ?? step.id ?? `step ${n + 1}`;
    if (failed) {
      records.push({ name, status: 'skipped (earlier failure)', output: '' });
      continue;
    }
    if (step.if !== undefined && !evaluate(step.if, ctx)) {
      records.push({ name, status: 'skipped (if)', output: '' });
      continue;
    }
    if (step.uses !== undefined) {
      records.push({ name, status: 'skipped (uses)', uses: step.uses, with: step.with, output: '' });
      continue;
    }
    if (step.shell !== 'bash' || step.run === undefined) throw new Error(`${name}: a composite run step needs shell: bash and run:`);
    const script = path.join(temp, `step-${n}.sh`);
    const outputFile = path.join(temp, `output-${n}`);
    await writeFile(script, step.run);
    await writeFile(outputFile, '');
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, substitute(String(v), ctx)]));
    const res = await execa('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd: opts.workspace,
      env: {
        ...opts.env,
        ...stepEnv,
        GITHUB_ACTIONS: 'true',
        GITHUB_WORKSPACE: opts.workspace,
        GITHUB_ACTION_PATH: opts.actionPath,
        GITHUB_OUTPUT: outputFile,
        RUNNER_TEMP: temp,
      },
      reject: false,
      all: true,
    });
    if (step.id !== undefined) steps[step.id] = { outputs: parseOutputFile(await readFile(outputFile, 'utf8')) };
    failed = res.exitCode !== 0;
    records.push({ name, status: failed ? 'failure' : 'success', output: res.all ?? '' });
  }
  const outputs = Object.fromEntries(Object.entries(action.outputs).map(([k, o]) => [k, substitute(o.value, ctx)]));
  return { steps: records, outputs, failed };
}
