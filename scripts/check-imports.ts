// The architecture rules anyone can check (docs/architecture.md, "Rules that keep the folders apart"):
// no import cycle among src/ modules; no cycle among src/'s folders either (no two folders import each
// other, nor three in a ring), so every folder stands above or below every other it touches; nothing
// outside src/cli/ imports from src/cli/ (the CLI renders what the library does; the library never
// reaches back into it); and src/cli/ imports only the folders CLI_MAY_IMPORT names.
// `npm run check:imports` prints one violation a line and exits 1 when there is one;
// test/unit/architecture.test.ts runs the same check.
//
// Every import counts: `import type` too (a type-only cycle still makes a reader go round in
// circles), `export … from`, and `import('…')` with a literal, as a call (a lazy import is still a
// dependency) or as a type (`import('./x.js').T`).
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Module → the modules it imports, all as paths relative to the root the graph was built from. */
export type ImportGraph = Map<string, Set<string>>;

export interface GraphBuild {
  graph: ImportGraph;
  /** Relative imports that name no file: the graph would silently miss an edge. */
  unresolved: string[];
}

/** Past this many cycles in one tangle, listing more helps nobody: break the ones shown first. */
const MAX_CYCLES_PER_TANGLE = 50;

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await tsFiles(p)));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier the file depends on, in source order. */
export function specifiersOf(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      out.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      out.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

async function isFile(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isFile() ?? false;
}

/** NodeNext specifiers name the emitted `.js`; the source is the `.ts` next to it. */
async function resolveSpecifier(fromFile: string, spec: string): Promise<string | undefined> {
  const target = path.resolve(path.dirname(fromFile), spec);
  const candidates = target.endsWith('.js')
    ? [`${target.slice(0, -3)}.ts`, target]
    : [target, `${target}.ts`, path.join(target, 'index.ts')];
  for (const c of candidates) if (await isFile(c)) return c;
  return undefined;
}

/** The import graph of every .ts file under `root`; imports of packages and node: builtins are left out. */
export async function buildImportGraph(root: string): Promise<GraphBuild> {
  const graph: ImportGraph = new Map();
  const unresolved: string[] = [];
  const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');
  for (const file of (await tsFiles(root)).sort()) {
    const deps = new Set<string>();
    for (const spec of specifiersOf(file, await readFile(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = await resolveSpecifier(file, spec);
      if (target === undefined) unresolved.push(`${rel(file)}: import '${spec}' names no file`);
      else if (target.startsWith(root + path.sep)) deps.add(rel(target));
    }
    graph.set(rel(file), deps);
  }
  return { graph, unresolved };
}

/** Tarjan's strongly connected components: each tangle of modules that reach each other. */
function tangles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) out.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

export interface Cycles {
  /** Each as the path a → b → … → a, starting at its alphabetically first module. */
  cycles: string[][];
  /** Tangles with more cycles than were listed (their members, sorted). */
  cutShort: string[][];
}

/**
 * Every elementary cycle, found within one tangle at a time: a cycle is listed once, from its first
 * module, by a depth-first walk that never steps onto a module sorting before the start.
 */
export function findCycles(graph: ImportGraph): Cycles {
  const out: Cycles = { cycles: [], cutShort: [] };
  for (const tangle of tangles(graph)) {
    const members = new Set(tangle);
    let found = 0;
    for (const start of tangle) {
      const pathNow: string[] = [start];
      const walk = (v: string): void => {
        for (const w of [...(graph.get(v) ?? [])].sort()) {
          if (found > MAX_CYCLES_PER_TANGLE || !members.has(w) || w < start) continue;
          if (w === start) {
            found += 1;
            if (found <= MAX_CYCLES_PER_TANGLE) out.cycles.push([...pathNow, start]);
          } else if (!pathNow.includes(w)) {
            pathNow.push(w);
            walk(w);
            pathNow.pop();
          }
        }
      };
      walk(start);
    }
    if (found > MAX_CYCLES_PER_TANGLE) out.cutShort.push(tangle);
  }
  return out;
}

/** Imports of src/cli/ from modules outside it, as [importer, imported]. */
export function cliImports(graph: ImportGraph): [string, string][] {
  const inCli = (m: string) => m.startsWith('cli/');
  const out: [string, string][] = [];
  for (const [from, deps] of graph) for (const to of deps) if (!inCli(from) && inCli(to)) out.push([from, to]);
  return out.sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
}

/** The top folder of src/ a module sits in; `.` for a file directly in src/. */
export function folderOf(module: string): string {
  const slash = module.indexOf('/');
  return slash < 0 ? '.' : module.slice(0, slash);
}

/** Folder → the other folders its modules import, with one module-level import as the example of each arrow. */
export function folderGraph(graph: ImportGraph): { graph: ImportGraph; example: Map<string, [string, string]> } {
  const folders: ImportGraph = new Map();
  const example = new Map<string, [string, string]>();
  for (const [from, deps] of [...graph].sort(([a], [b]) => a.localeCompare(b))) {
    const a = folderOf(from);
    if (!folders.has(a)) folders.set(a, new Set());
    for (const to of [...deps].sort()) {
      const b = folderOf(to);
      if (a === b) continue;
      folders.get(a)!.add(b);
      if (!example.has(`${a} ${b}`)) example.set(`${a} ${b}`, [from, to]);
    }
  }
  return { graph: folders, example };
}

/**
 * What src/cli/ may import besides itself (docs/architecture.md): the engine, the library's one entry for
 * every command; two leaf folders, matrix/ (the schema owns the vocabulary every command's flags speak) and
 * util/ (Result, paths, version); and a few vocabulary modules elsewhere, each a leaf that only names the
 * choices or defaults a flag offers, loaded by `--help` (which must not load the engine: bench/help-time.ts).
 */
export const CLI_MAY_IMPORT = {
  folders: ['engine', 'matrix', 'util'],
  vocabulary: [
    'arch/types.ts',
    'bisect/choices.ts',
    'kernels/from-source/default-fragments.ts',
    'report/formats.ts',
    'setup/browser.ts',
    'vm/host-journal-path.ts',
  ],
} as const;

export interface CliRule {
  folders: readonly string[];
  vocabulary: readonly string[];
}

/** Imports from src/cli/ into a module the rule does not allow, as [importer, imported]. */
export function cliImportsOutsideRule(graph: ImportGraph, allowed: CliRule = CLI_MAY_IMPORT): [string, string][] {
  const folders = new Set(['cli', ...allowed.folders]);
  const modules = new Set(allowed.vocabulary);
  const out: [string, string][] = [];
  for (const [from, deps] of graph) {
    if (folderOf(from) !== 'cli') continue;
    for (const to of deps) if (!folders.has(folderOf(to)) && !modules.has(to)) out.push([from, to]);
  }
  return out.sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
}

/** One line a violation, paths relative to the project root (`src/…`); empty when the rules hold. */
export async function importViolations(srcDir: string, cliRule: CliRule = CLI_MAY_IMPORT): Promise<string[]> {
  const { graph, unresolved } = await buildImportGraph(srcDir);
  const top = path.basename(srcDir);
  const shown = (m: string) => path.posix.join(top, m);
  const { cycles, cutShort } = findCycles(graph);
  const folders = folderGraph(graph);
  const folderCycles = findCycles(folders.graph);
  const folderShown = (f: string) => (f === '.' ? top : `${top}/${f}`);
  const ring = (c: string[]) =>
    `folders import each other: ${c.map(folderShown).join(' → ')} (${c
      .slice(1)
      .map((to, i) => folders.example.get(`${c[i]} ${to}`)!.map(shown).join(' → '))
      .join('; ')})`;
  return [
    ...cycles.map((c) => `import cycle: ${c.map(shown).join(' → ')}`),
    ...cutShort.map(
      (t) => `import cycles: more than ${MAX_CYCLES_PER_TANGLE} among ${t.map(shown).join(', ')}; break the ones listed first`,
    ),
    ...folderCycles.cycles.map(ring),
    ...folderCycles.cutShort.map(
      (t) => `folders import each other: more than ${MAX_CYCLES_PER_TANGLE} rings among ${t.map(folderShown).join(', ')}`,
    ),
    ...cliImports(graph).map(([from, to]) => `imports src/cli/ from outside it: ${shown(from)} → ${shown(to)}`),
    ...cliImportsOutsideRule(graph, cliRule).map(
      ([from, to]) =>
        `src/cli/ imports a module outside ${['cli', ...cliRule.folders].join('/, ')}/ and the vocabulary modules: ${shown(from)} → ${shown(to)}`,
    ),
    ...unresolved.map((u) => `unresolved import: ${top}/${u}`),
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');
  const violations = await importViolations(srcDir);
  if (violations.length === 0) {
    process.stdout.write(
      'src/: no import cycle, no two folders importing each other, nothing outside src/cli/ imports from it, src/cli/ imports only what CLI_MAY_IMPORT allows\n',
    );
  } else {
    process.stdout.write(`${violations.join('\n')}\n`);
    process.stderr.write(`${violations.length} violation(s) of the import rules in src/\n`);
    process.exitCode = 1;
  }
}
