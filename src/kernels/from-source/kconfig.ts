// Just enough of a Kconfig reader to explain a dropped option: which symbols exist, and what each one
// `depends on` (its own lines plus the enclosing if/menu/choice blocks) and who `select`s it. Follows
// `source` from the top-level Kconfig the way kconfig does, so an option inside `if NET` inherits NET.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

interface KconfigSymbol {
  name: string;
  /** Each condition this symbol needs (all must hold): own `depends on` and enclosing blocks. */
  dependsOn: string[];
  /** "SYMBOL [if COND]" for every `select` of this symbol. */
  selectedBy: string[];
  /** Has a prompt (a user can set it); hidden symbols only come from defaults and selects. */
  hasPrompt: boolean;
  /** file:line of the first definition. */
  where: string;
}

export type KconfigDb = Map<string, KconfigSymbol>;

/** What to substitute in `source "arch/$(SRCARCH)/Kconfig"`. */
interface KconfigVars {
  SRCARCH: string;
  [name: string]: string;
}

type ReadText = (file: string) => Promise<string | undefined>;

const readText: ReadText = (file) => readFile(file, 'utf8').catch(() => undefined);

const TYPE_WITH_PROMPT_RE = /^(bool|tristate|string|hex|int)\s+"/;
const SOURCE_RE = /^(o|r|orsource|)source\s+"([^"]+)"/;

function joinContinuations(text: string): { line: string; no: number }[] {
  const out: { line: string; no: number }[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i += 1) {
    const no = i + 1;
    let line = raw[i] ?? '';
    while (line.endsWith('\\') && i + 1 < raw.length) {
      i += 1;
      line = `${line.slice(0, -1)} ${raw[i] ?? ''}`;
    }
    out.push({ line, no });
  }
  return out;
}

function indentOf(line: string): number {
  let n = 0;
  for (const c of line) {
    if (c === ' ') n += 1;
    else if (c === '\t') n += 8 - (n % 8);
    else break;
  }
  return n;
}

interface Block {
  kind: 'if' | 'menu' | 'choice';
  conds: string[];
}

/** Read every symbol reachable from `root` (the tree's top-level Kconfig). Unreadable sources are skipped. */
export async function readKconfig(srcTree: string, vars: KconfigVars, read: ReadText = readText, root = 'Kconfig'): Promise<KconfigDb> {
  const db: KconfigDb = new Map();
  const selects: { target: string; by: string }[] = [];
  const seen = new Set<string>();

  const expand = (s: string) => s.replace(/\$\((\w+)\)/g, (_m, name: string) => vars[name] ?? '');

  async function parseFile(rel: string, inherited: readonly string[]): Promise<void> {
    const file = path.resolve(srcTree, rel);
    const text = await read(file);
    if (text === undefined) return;
    const lines = joinContinuations(text);
    const stack: Block[] = [];
    const outer = () => [...inherited, ...stack.flatMap((b) => b.conds)];
    let current: KconfigSymbol | undefined;
    /** The block whose header we are in (menu/choice before their first entry): its `depends on` is the block's. */
    let header: Block | undefined;
    let helpIndent: number | undefined;
    let inHelp = false;

    for (const { line, no } of lines) {
      if (inHelp) {
        if (line.trim() === '') continue;
        const ind = indentOf(line);
        helpIndent ??= ind;
        if (ind >= helpIndent && ind > 0) continue;
        inHelp = false;
        helpIndent = undefined;
      }
      const t = line.trim();
      if (t === '' || t.startsWith('#')) continue;
      const word = t.split(/\s+/, 1)[0] ?? '';
      const rest = t.slice(word.length).trim();
      switch (word) {
        case 'config':
        case 'menuconfig': {
          header = undefined;
          const name = rest;
          let sym = db.get(name);
          if (sym === undefined) {
            sym = { name, dependsOn: [], selectedBy: [], hasPrompt: false, where: `${rel}:${no}` };
            db.set(name, sym);
          }
          // A symbol defined twice: conditions of the definition that gives the prompt matter most;
          // keep them all, the reader sees them side by side.
          for (const c of outer()) if (!sym.dependsOn.includes(c)) sym.dependsOn.push(c);
          current = sym;
          break;
        }
        case 'depends':
          if (rest.startsWith('on ')) {
            const cond = rest.slice(3).trim();
            if (header !== undefined) header.conds.push(cond);
            else if (current !== undefined && !current.dependsOn.includes(cond)) current.dependsOn.push(cond);
          }
          break;
        case 'select':
        case 'imply':
          if (current !== undefined && word === 'select') {
            const m = /^(\w+)(?:\s+if\s+(.+))?$/.exec(rest);
            if (m?.[1] !== undefined) selects.push({ target: m[1], by: m[2] ? `${current.name} if ${m[2]}` : current.name });
          }
          break;
        case 'prompt':
          if (current !== undefined) current.hasPrompt = true;
          break;
        case 'help':
        case '---help---':
          inHelp = true;
          helpIndent = undefined;
          break;
        case 'if':
          current = undefined;
          header = undefined;
          stack.push({ kind: 'if', conds: [rest] });
          break;
        case 'menu':
        case 'choice':
          current = undefined;
          header = { kind: word, conds: [] };
          stack.push(header);
          break;
        case 'endif':
        case 'endmenu':
        case 'endchoice':
          current = undefined;
          header = undefined;
          stack.pop();
          break;
        case 'comment':
        case 'mainmenu':
          current = undefined;
          header = undefined;
          break;
        default: {
          const src = SOURCE_RE.exec(t);
          if (src?.[2] !== undefined) {
            current = undefined;
            header = undefined;
            const target = expand(src[2]);
            const relTarget = src[1] === 'r' || src[1] === 'orsource' ? path.join(path.dirname(rel), target) : target;
            if (!relTarget.includes('*') && !seen.has(`${relTarget}|${outer().join('&&')}`)) {
              seen.add(`${relTarget}|${outer().join('&&')}`);
              await parseFile(relTarget, outer());
            }
          } else if (current !== undefined && TYPE_WITH_PROMPT_RE.test(t)) {
            current.hasPrompt = true;
          }
        }
      }
    }
  }

  await parseFile(root, []);
  for (const s of selects) db.get(s.target)?.selectedBy.push(s.by);
  return db;
}
