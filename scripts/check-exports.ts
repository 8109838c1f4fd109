// Every export of a src/ module must have a user in another file: src/, test/, scripts/ or bench/
// (docs/contributing.md, "Code conventions"). An export nobody imports is either dead code or a symbol that should
// be local; both cost a reader time. `npm run check:exports` prints one unused export a line and exits 1
// when there is one; test/unit/exports.test.ts runs the same check.
//
// A use is any reference the TypeScript checker resolves to the export from another file: a named or
// type import, `export … from`, `import('…').T`, a property of `await import('…')` (destructured or
// not), and `ns.x` after `import * as ns`. Resolving through the checker (not by matching names) keeps
// two exports of one name in different modules apart.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Exports whose user is outside the TypeScript program: bin/tailmatrix.js imports the CLI's `main`. */
export const ENTRY_EXPORTS: readonly string[] = ['src/cli/main.ts main'];

function aliased(checker: ts.TypeChecker, s: ts.Symbol): ts.Symbol {
  return s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
}

/** The program of a tsconfig (its include list decides which files count as users). */
export function programOf(tsconfig: string): ts.Program {
  const read = ts.readConfigFile(tsconfig, (f) => ts.sys.readFile(f));
  if (read.error) throw new Error(`${tsconfig}: ${ts.flattenDiagnosticMessageText(read.error.messageText, '\n')}`);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(tsconfig));
  return ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true } });
}

/**
 * `file name` (file relative to `root`) of every export of a module under `srcDir` that no other file
 * of the program uses, sorted.
 */
export function unusedExports(program: ts.Program, root: string, srcDir: string, entries: readonly string[] = ENTRY_EXPORTS): string[] {
  const checker = program.getTypeChecker();
  const rel = (f: string) => path.relative(root, f).split(path.sep).join('/');
  const own = program.getSourceFiles().filter((f) => !f.isDeclarationFile && !f.fileName.includes('/node_modules/'));
  /** Symbol → the files (other than its own) that reference it. */
  const usedFrom = new Map<ts.Symbol, Set<string>>();
  const use = (s: ts.Symbol | undefined, file: ts.SourceFile): void => {
    if (s === undefined) return;
    for (const t of new Set([s, aliased(checker, s)])) {
      if (!usedFrom.has(t)) usedFrom.set(t, new Set());
      usedFrom.get(t)!.add(file.fileName);
    }
  };
  for (const file of own) {
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node)) use(checker.getSymbolAtLocation(node), file);
      // `const { a, b: c } = await import('./x.js')`: the names are properties of the module's type.
      if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
        const key = node.propertyName ?? node.name;
        const holder = node.parent.parent;
        const source = ts.isVariableDeclaration(holder) && holder.initializer !== undefined ? holder.initializer : holder;
        const property = ts.isIdentifier(key) ? checker.getTypeAtLocation(source).getProperty(key.text) : undefined;
        // The namespace type may hold copies of the exports (CommonJS interop): go back to the declarations.
        for (const d of property?.declarations ?? []) {
          const name = ts.getNameOfDeclaration(d);
          if (name !== undefined) use(checker.getSymbolAtLocation(name), file);
        }
        use(property, file);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  const out: string[] = [];
  for (const file of own) {
    if (!file.fileName.startsWith(srcDir + path.sep)) continue;
    const moduleSymbol = checker.getSymbolAtLocation(file);
    if (moduleSymbol === undefined) continue;
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const name = `${rel(file.fileName)} ${exported.name}`;
      if (entries.includes(name)) continue;
      const users = new Set([...(usedFrom.get(exported) ?? []), ...(usedFrom.get(aliased(checker, exported)) ?? [])]);
      users.delete(file.fileName);
      if (users.size === 0) out.push(name);
    }
  }
  return out.sort();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const unused = unusedExports(programOf(path.join(root, 'tsconfig.json')), root, path.join(root, 'src'));
  if (unused.length === 0) {
    process.stdout.write('src/: every export has a user in another file (src/, test/, scripts/, bench/)\n');
  } else {
    process.stdout.write(`${unused.map((u) => `unused export: ${u.replace(' ', ': ')}`).join('\n')}\n`);
    process.stderr.write(`${unused.length} export(s) nobody imports: un-export what the file itself uses, delete the rest\n`);
    process.exitCode = 1;
  }
}
