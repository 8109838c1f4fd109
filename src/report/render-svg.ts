// Vega-Lite spec → standalone SVG string, in Node, with no browser and no canvas.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Vega numbers clip paths and gradients from a process-wide counter; several charts inlined in one
 * page would then depend on render order across calls. Renaming them per chart keeps every file
 * byte-identical between runs and the ids unique within a page.
 */
function scopeIds(svg: string, prefix: string): string {
  return svg
    .replace(/id="([^"]+)"/g, (_m, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}-${id})`);
}

export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return scopeIds(await view.toSVG(), idPrefix);
  } finally {
    view.finalize();
  }
}
