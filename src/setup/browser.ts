// The HTML report test renders in a real headless browser. Debian packages Chromium; Ubuntu has only a
// snap, and GitHub's Ubuntu runners ship Google Chrome instead. So: whichever is on PATH, or the one named.
import { which } from '../util/which.js';

/** Tried in this order on PATH. */
export const BROWSER_PROGRAMS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;

export const BROWSER_HINT =
  'install one: Debian: apt-get install chromium (or `tailmatrix setup --with-tests`); Ubuntu: Google Chrome ' +
  '(GitHub runners ship it; Ubuntu has no Chromium deb, only a snap); or set TAILMATRIX_CHROMIUM=/path/to/chrome';

/** TAILMATRIX_CHROMIUM when set (it must exist), else the first of BROWSER_PROGRAMS on PATH. */
export async function findBrowser(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const named = env.TAILMATRIX_CHROMIUM;
  if (named) return which(named, env);
  for (const program of BROWSER_PROGRAMS) {
    const found = await which(program, env);
    if (found !== undefined) return found;
  }
  return undefined;
}
