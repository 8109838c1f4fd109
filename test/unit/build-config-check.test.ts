import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { checkConfig, formatConfigCheck } from '../../src/kernels/from-source/config-check.js';
import { parseDotConfig, parseFragment } from '../../src/kernels/from-source/fragments.js';
import { readKconfig } from '../../src/kernels/from-source/kconfig.js';
import { annotate, conjuncts, evaluate } from '../../src/kernels/from-source/kconfig-expr.js';

// A miniature source tree shaped like 6.1's: sourced files, if-blocks, menus, help texts that mention
// "config", a renamed mitigation option, and BPF_JIT's dependency on MODULES.
const files: Record<string, string> = {
  '/src/Kconfig': `mainmenu "Linux"
source "init/Kconfig"
source "arch/$(SRCARCH)/Kconfig"
source "kernel/bpf/Kconfig"
menu "Networking"
	depends on NET
source "net/Kconfig"
endmenu
`,
  '/src/init/Kconfig': `config MODULES
	bool "Enable loadable module support"
	help
	  config FAKE_IN_HELP
	  depends on NOTHING
config NET
	bool "Networking support"
	select BPF
`,
  '/src/arch/x86/Kconfig': `config HAVE_EBPF_JIT
	def_bool y
menuconfig CPU_MITIGATIONS
	bool "Mitigations"
	default y
if CPU_MITIGATIONS
config RETPOLINE
	bool "Avoid speculative indirect branches"
	default y
endif
`,
  '/src/kernel/bpf/Kconfig': `config BPF
	bool
config BPF_SYSCALL
	bool "Enable bpf() system call"
	select BPF
config BPF_JIT
	bool "Enable BPF Just In Time compiler"
	depends on BPF
	depends on HAVE_CBPF_JIT || HAVE_EBPF_JIT
	depends on MODULES
config BPF_JIT_ALWAYS_ON
	bool "Permanently enable BPF JIT"
	depends on BPF_SYSCALL && HAVE_EBPF_JIT && BPF_JIT
`,
  '/src/net/Kconfig': `config NET_CLS_BPF
	tristate "BPF-based classifier"
	depends on NET_SCHED
`,
};
const read = async (f: string) => files[f];

const fragmentText = `CONFIG_MODULES=y
CONFIG_BPF_SYSCALL=y
CONFIG_BPF_JIT=y
CONFIG_BPF_JIT_ALWAYS_ON=y
CONFIG_NET_CLS_BPF=y
CONFIG_RETPOLINE=y
CONFIG_MITIGATION_RETPOLINE=y
# tailmatrix: one-of RETPOLINE MITIGATION_RETPOLINE
# CONFIG_DEBUG_INFO is not set
`;

describe('Kconfig reader', () => {
  it('follows source, collects depends on, enclosing if/menu conditions and selects, skips help text', async () => {
    const db = await readKconfig('/src', { SRCARCH: 'x86' }, read);
    expect(db.get('BPF_JIT')?.dependsOn).toEqual(['BPF', 'HAVE_CBPF_JIT || HAVE_EBPF_JIT', 'MODULES']);
    expect(db.get('RETPOLINE')?.dependsOn).toEqual(['CPU_MITIGATIONS']);
    expect(db.get('NET_CLS_BPF')?.dependsOn).toEqual(['NET', 'NET_SCHED']);
    expect(db.get('BPF')?.selectedBy.sort()).toEqual(['BPF_SYSCALL', 'NET']);
    expect(db.get('BPF')?.hasPrompt).toBe(false);
    expect(db.get('BPF_JIT')?.hasPrompt).toBe(true);
    expect(db.has('FAKE_IN_HELP')).toBe(false);
    expect(db.get('MODULES')?.dependsOn).toEqual([]);
  });
});

describe('Kconfig expressions', () => {
  const values = new Map([
    ['A', 'y'],
    ['B', 'm'],
    ['S', '"abc"'],
    ['N', '32'],
  ]);
  it('evaluates tristate logic, comparisons and negation', () => {
    expect(evaluate('A && B', values)).toBe(1);
    expect(evaluate('A || C', values)).toBe(2);
    expect(evaluate('!C && (A || C)', values)).toBe(2);
    expect(evaluate('S = "abc"', values)).toBe(2);
    expect(evaluate('N >= 64', values)).toBe(0);
    expect(evaluate('C', values)).toBe(0);
  });
  it('splits top-level conjunctions and annotates symbols with their values', () => {
    expect(conjuncts('A && (B || C) && !D')).toEqual(['A', '(B || C)', '!D']);
    expect(annotate('A && (B || C)', values)).toBe('A=y && (B=m || C=n)');
  });
});

describe('config check', () => {
  const fragment = parseFragment(fragmentText, 'tailmatrix.config');

  it('passes when every known option is on; unknown (renamed) options are reported, not failed', async () => {
    const db = await readKconfig('/src', { SRCARCH: 'x86' }, read);
    const config = parseDotConfig(
      'CONFIG_MODULES=y\nCONFIG_NET=y\nCONFIG_BPF=y\nCONFIG_BPF_SYSCALL=y\nCONFIG_HAVE_EBPF_JIT=y\nCONFIG_BPF_JIT=y\nCONFIG_BPF_JIT_ALWAYS_ON=y\nCONFIG_NET_SCHED=y\nCONFIG_NET_CLS_BPF=y\nCONFIG_CPU_MITIGATIONS=y\nCONFIG_RETPOLINE=y\n# CONFIG_DEBUG_INFO is not set\n',
    );
    const c = checkConfig([fragment], config, db);
    expect(formatConfigCheck(c)).toEqual([]);
    expect(c.ok).toBe(true);
    expect(c.unknown.sort()).toEqual(['DEBUG_INFO', 'MITIGATION_RETPOLINE']);
    expect(c.checked).toBe(6);
  });

  it('names what a naive tinyconfig merge drops, and the dependency that is off', async () => {
    const db = await readKconfig('/src', { SRCARCH: 'x86' }, read);
    // What olddefconfig leaves after tinyconfig: no modules, no mitigations, no NET_SCHED.
    const config = parseDotConfig(
      '# CONFIG_MODULES is not set\nCONFIG_BPF=y\nCONFIG_BPF_SYSCALL=y\nCONFIG_HAVE_EBPF_JIT=y\nCONFIG_NET=y\n# CONFIG_CPU_MITIGATIONS is not set\n',
    );
    const c = checkConfig([fragment], config, db);
    expect(c.ok).toBe(false);
    const bySymbol = new Map(c.missing.map((m) => [m.symbol, m]));
    expect([...bySymbol.keys()].sort()).toEqual(['BPF_JIT', 'BPF_JIT_ALWAYS_ON', 'MODULES', 'NET_CLS_BPF', 'RETPOLINE']);
    expect(bySymbol.get('BPF_JIT')?.unmet).toEqual(['MODULES=n']);
    expect(bySymbol.get('BPF_JIT')?.where).toBe('tailmatrix.config:3');
    expect(bySymbol.get('RETPOLINE')?.unmet).toEqual(['CPU_MITIGATIONS=n']);
    expect(bySymbol.get('NET_CLS_BPF')?.unmet).toEqual(['NET_SCHED=n']);
    expect(bySymbol.get('BPF_JIT_ALWAYS_ON')?.unmet).toEqual(['BPF_JIT=n']);
    expect(c.oneOf).toEqual([{ symbols: ['RETPOLINE', 'MITIGATION_RETPOLINE'], where: 'tailmatrix.config:8', known: ['RETPOLINE'] }]);
    const lines = formatConfigCheck(c);
    expect(lines).toContain('CONFIG_BPF_JIT: wanted y, got n (tailmatrix.config:3); unmet: MODULES=n');
    expect(lines.at(-1)).toBe(
      'none of CONFIG_RETPOLINE, CONFIG_MITIGATION_RETPOLINE is on (tailmatrix.config:8); this kernel knows RETPOLINE',
    );
  });

  it('a later fragment overrides an earlier one, as concatenation does', async () => {
    const db = await readKconfig('/src', { SRCARCH: 'x86' }, read);
    const override = parseFragment('# CONFIG_BPF_JIT is not set\n# CONFIG_BPF_JIT_ALWAYS_ON is not set\n', 'no-jit.config');
    const config = parseDotConfig(
      'CONFIG_MODULES=y\nCONFIG_BPF=y\nCONFIG_BPF_SYSCALL=y\nCONFIG_NET=y\nCONFIG_NET_SCHED=y\nCONFIG_NET_CLS_BPF=y\nCONFIG_CPU_MITIGATIONS=y\nCONFIG_RETPOLINE=y\n',
    );
    const c = checkConfig([fragment, override], config, db);
    expect(formatConfigCheck(c)).toEqual([]);
  });

  it('a later fragment that assigns a one-of name waives the group; its own assignment is checked instead', async () => {
    const db = await readKconfig('/src', { SRCARCH: 'x86' }, read);
    const noRetpoline = parseFragment('# CONFIG_RETPOLINE is not set\n# CONFIG_MITIGATION_RETPOLINE is not set\n', 'no-retpoline.config');
    const base =
      'CONFIG_MODULES=y\nCONFIG_BPF=y\nCONFIG_BPF_SYSCALL=y\nCONFIG_HAVE_EBPF_JIT=y\nCONFIG_BPF_JIT=y\nCONFIG_BPF_JIT_ALWAYS_ON=y\nCONFIG_NET=y\nCONFIG_NET_SCHED=y\nCONFIG_NET_CLS_BPF=y\nCONFIG_CPU_MITIGATIONS=y\n';
    const off = checkConfig([fragment, noRetpoline], parseDotConfig(`${base}# CONFIG_RETPOLINE is not set\n`), db);
    expect(formatConfigCheck(off)).toEqual([]);
    // The variant's own "not set" still binds: a .config where RETPOLINE stayed on fails and names it.
    const stillOn = checkConfig([fragment, noRetpoline], parseDotConfig(`${base}CONFIG_RETPOLINE=y\n`), db);
    expect(stillOn.missing.map((m) => `${m.symbol} ${m.where}`)).toEqual(['RETPOLINE no-retpoline.config:1']);
    // A group in the same fragment as the override, or one no later fragment touches, still binds.
    const alone = checkConfig([fragment], parseDotConfig(`${base}# CONFIG_RETPOLINE is not set\n`), db);
    expect(alone.oneOf.map((g) => g.where)).toEqual(['tailmatrix.config:8']);
  });

  it("the project's own fragment parses and asks for the JIT, retpolines and the serial console", async () => {
    const file = path.resolve(import.meta.dirname, '../../kernels/configs/tailmatrix.config');
    const f = parseFragment(await readFile(file, 'utf8'), file);
    const want = new Map(f.assignments.map((a) => [a.symbol, a.value]));
    for (const s of [
      'BPF_SYSCALL',
      'BPF_JIT',
      'BPF_JIT_ALWAYS_ON',
      'MODULES',
      'SERIAL_8250_CONSOLE',
      'NET_CLS_BPF',
      'NET_SCH_INGRESS',
      'VETH',
      'KALLSYMS_ALL',
    ]) {
      expect(want.get(s), s).toBe('y');
    }
    expect(f.oneOf.map((o) => o.symbols)).toContainEqual(['RETPOLINE', 'MITIGATION_RETPOLINE']);
  });
});
