// .config = base (tinyconfig / defconfig / vng, or the user's own .config) + fragments, completed by
// olddefconfig, then checked.
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { archProfile } from '../../arch/index.js';
import { err, ok, type Result } from '../../util/result.js';
import { checkConfig, formatConfigCheck, type ConfigCheck } from './config-check.js';
import { parseDotConfig, type Fragment } from './fragments.js';
import { readKconfig } from './kconfig.js';
import type { ConfigBase } from './keys.js';
import { make, type MakeEnv } from './make.js';

/** Config targets are quick (seconds); ten minutes means make is stuck. */
const CONFIG_TIMEOUT_MS = 10 * 60_000;

/** The make target that writes the base .config (vng = tinyconfig plus kernels/configs/vng.config). */
function baseTarget(base: ConfigBase): string {
  return base === 'defconfig' ? 'defconfig' : 'tinyconfig';
}

type ConfigureFailure = { kind: 'make'; message: string } | { kind: 'check'; check: ConfigCheck; lines: string[] };

/** `ownConfig`: the user's complete .config, the base instead of `make <base>` (`--config FILE`). */
export async function configure(
  m: MakeEnv,
  base: ConfigBase,
  fragments: readonly Fragment[],
  ownConfig?: { file: string; text: string },
): Promise<Result<ConfigCheck, ConfigureFailure>> {
  const env = { ...m, timeoutMs: CONFIG_TIMEOUT_MS };
  const dotConfig = path.join(m.objDir, '.config');
  if (ownConfig !== undefined) await writeFile(dotConfig, `# --- ${ownConfig.file} (base)\n${ownConfig.text}\n`);
  else {
    const b = await make(env, [baseTarget(base)]);
    if (!b.ok) return err({ kind: 'make', message: b.error.message });
  }
  // Appended in order: a later fragment overrides an earlier one, as with merge_config.sh -m.
  for (const f of fragments) await appendFile(dotConfig, `\n# --- ${f.file}\n${f.text}\n`);
  const o = await make(env, ['olddefconfig']);
  if (!o.ok) return err({ kind: 'make', message: o.error.message });
  const db = await readKconfig(m.srcTree, { SRCARCH: archProfile(m.arch).kbuild.srcarch });
  const check = checkConfig(fragments, parseDotConfig(await readFile(dotConfig, 'utf8')), db);
  if (!check.ok) return err({ kind: 'check', check, lines: formatConfigCheck(check) });
  return ok(check);
}
