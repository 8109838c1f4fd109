// The bisection report: the answer, the rule, and the metric at every tested commit (history order),
// as a table and a chart over commits with skipped commits marked; Markdown and HTML (inline SVG
// rendered from a vega-lite spec, as the run report does). One unit per report: the figure kind's.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { escapeXml as h } from '../report/escape.js';
import { renderSvg } from '../report/render-svg.js';
import type { FigureKind } from '../results/cell-result.js';
import { unitLabel } from '../analysis/units.js';
import { pool } from './decide.js';
import type { BisectEnd } from './bisect-end.js';
import type { BisectState, CommitInfo } from './state.js';

interface ReportRow {
  order: number;
  commit: CommitInfo;
  role: string;
  verdict: string;
  runs: number;
  value?: number;
  ci?: [number, number];
  build: string;
  wallS: number;
  note: string;
}

const short = (sha: string) => sha.slice(0, 12);
const secs = (ms: number) => Math.round(ms / 1000);

/** Tested commits in history order (good end first), with their pooled figure. */
export function reportRows(s: BisectState): ReportRow[] {
  const order = new Map([s.request.good, ...s.commits.map((c) => c.sha)].map((sha, i) => [sha, i]));
  return s.steps
    .map((st) => {
      const p = pool(st.runs);
      const build =
        st.build === undefined
          ? st.reason?.startsWith('build')
            ? 'failed'
            : '—'
          : st.build.cached
            ? 'cache hit'
            : `${secs(st.build.totalMs)} s`;
      const note = [st.reason, st.atCap ? `still straddling the threshold after ${st.runs.length} runs: decided on the mean` : undefined]
        .filter(Boolean)
        .join('; ');
      return {
        order: order.get(st.commit.sha) ?? -1,
        commit: st.commit,
        role: st.role === 'search' ? 'step' : st.role,
        verdict: st.verdict ?? 'unfinished',
        runs: st.runs.length,
        value: p?.value,
        ci: p?.ci,
        build,
        wallS: secs(st.wallMs),
        note,
      };
    })
    .sort((a, b) => a.order - b.order);
}

function kindOf(s: BisectState): FigureKind | undefined {
  return s.steps.flatMap((st) => st.runs)[0]?.kind;
}

function answerText(s: BisectState, o: BisectEnd): string {
  if (o.kind === 'interrupted') return `Interrupted after ${s.steps.length} tested commit(s): continue with \`--resume\`.`;
  if (o.kind === 'stopped') return `Stopped: ${o.message}`;
  const c = o.firstBad;
  if (o.range.length === 0) return `First bad commit: ${c.sha} "${c.subject}" (${c.authorDate}).`;
  return `Skipped commits leave a range: the first bad commit is one of ${[...o.range, c].map((x) => short(x.sha)).join(', ')} (the last is ${c.sha} "${c.subject}", ${c.authorDate}).`;
}

function ruleText(s: BisectState, unit: string): string {
  const r = s.rule;
  if (r === undefined) return 'Rule: not set (the ends were not both measured).';
  const side = r.badAbove ? 'above' : 'below';
  const how = r.origin === 'given' ? 'given' : 'midpoint of the two ends: closer to bad than to good';
  return `Rule: ${s.request.metric} ${side} ${r.threshold.toFixed(2)} ${unit} is bad (${how}); timed figures repeat while their interval straddles it, up to ${s.request.repeatCap} runs.`;
}

const HEADER = ['commit', 'subject', 'author date', 'role', 'value [95 % CI]', 'runs', 'verdict', 'build', 'step wall', 'note'];

function cells(r: ReportRow): string[] {
  const v = r.value !== undefined && r.ci !== undefined ? `${r.value.toFixed(2)} [${r.ci[0].toFixed(2)}, ${r.ci[1].toFixed(2)}]` : '—';
  return [
    short(r.commit.sha),
    r.commit.subject,
    r.commit.authorDate,
    r.role,
    v,
    String(r.runs),
    r.verdict,
    r.build,
    `${r.wallS} s`,
    r.note,
  ];
}

function chartSpec(s: BisectState, rows: readonly ReportRow[], unit: string): TopLevelSpec {
  const label = (r: ReportRow) => `${short(r.commit.sha).slice(0, 8)}`;
  const sort = rows.map(label);
  const measured = rows
    .filter((r) => r.value !== undefined)
    .map((r) => ({ commit: label(r), value: r.value, lo: r.ci![0], hi: r.ci![1], verdict: r.verdict }));
  const skipped = rows.filter((r) => r.value === undefined).map((r) => ({ commit: label(r), verdict: r.verdict }));
  const x = { field: 'commit', type: 'nominal', sort, title: 'commit (history order)', axis: { labelAngle: -30 } } as const;
  const color = {
    field: 'verdict',
    type: 'nominal',
    scale: { domain: ['good', 'bad', 'skip', 'unfinished'], range: ['#2ca02c', '#d62728', '#7f7f7f', '#bcbd22'] },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${s.request.metric} per tail call at each tested commit`,
      subtitle: kindOf(s) === 'emulated-ns' ? 'TCG: emulated ns, relative only' : '',
    },
    width: Math.max(240, 60 * rows.length),
    height: 220,
    layer: [
      {
        data: { values: measured },
        mark: { type: 'rule' },
        encoding: {
          x,
          y: { field: 'lo', type: 'quantitative', title: `${s.request.metric} (${unit} per tail call)`, scale: { zero: false } },
          y2: { field: 'hi' },
          color,
        },
      },
      {
        data: { values: measured },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: { x, y: { field: 'value', type: 'quantitative' }, color },
      },
      // Skipped commits have no figure: a mark on the axis keeps them in view.
      {
        data: { values: skipped },
        mark: { type: 'text', text: 'skip', baseline: 'bottom', dy: -2 },
        encoding: { x, y: { value: 220 }, color },
      },
      ...(s.rule !== undefined
        ? [
            {
              data: { values: [{ t: s.rule.threshold }] },
              mark: { type: 'rule' as const, strokeDash: [4, 4], color: 'black' },
              encoding: { y: { field: 't', type: 'quantitative' as const } },
            },
          ]
        : []),
    ],
    config: { font: 'sans-serif', view: { stroke: '#ddd' } },
  };
}

export function renderMarkdown(s: BisectState, o: BisectEnd, rows: readonly ReportRow[]): string {
  const unit = unitLabel(kindOf(s) ?? 'emulated-ns');
  const esc = (t: string) => t.replace(/\|/g, '\\|');
  const lines = [
    `# tailmatrix bisect: ${s.request.metric}, ${short(s.request.good)}..${short(s.request.bad)}`,
    '',
    `**${answerText(s, o)}**`,
    '',
    `Tree \`${s.request.tree}\`, benchmark \`${s.request.bench}\`, boot \`${s.request.boot}\`; ${s.commits.length} commit(s) in range, ${s.steps.length} tested. Values in ${unit} per tail call.`,
    '',
    ruleText(s, unit),
    '',
    `| ${HEADER.join(' | ')} |`,
    `| ${HEADER.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${cells(r).map(esc).join(' | ')} |`),
    '',
    'Replay with `git bisect replay bisect.log` in a clone of the tree.',
  ];
  if (kindOf(s) === 'emulated-ns') lines.push('', 'Figures are emulated ns (TCG): relative only, not hardware timing.');
  return `${lines.join('\n')}\n`;
}

export async function renderHtml(s: BisectState, o: BisectEnd, rows: readonly ReportRow[]): Promise<string> {
  const unit = unitLabel(kindOf(s) ?? 'emulated-ns');
  const svg = rows.length > 0 ? await renderSvg(chartSpec(s, rows, unit), 'bisect') : '';
  const tr = (r: ReportRow) =>
    `<tr class="${h(r.verdict)}">${cells(r)
      .map((c) => `<td>${h(c)}</td>`)
      .join('')}</tr>`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><title>tailmatrix bisect</title>',
    '<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}tr.skip td{color:#777}tr.bad td:nth-child(7){color:#d62728}tr.good td:nth-child(7){color:#2ca02c}</style></head><body>',
    `<h1>tailmatrix bisect: ${h(s.request.metric)}, <code>${h(short(s.request.good))}..${h(short(s.request.bad))}</code></h1>`,
    `<p><strong>${h(answerText(s, o))}</strong></p>`,
    `<p>Tree <code>${h(s.request.tree)}</code>, benchmark <code>${h(s.request.bench)}</code>, boot <code>${h(s.request.boot)}</code>; ${s.commits.length} commit(s) in range, ${s.steps.length} tested. Values in ${h(unit)} per tail call.</p>`,
    `<p>${h(ruleText(s, unit))}</p>`,
    svg,
    `<table><thead><tr>${HEADER.map((c) => `<th>${h(c)}</th>`).join('')}</tr></thead><tbody>${rows.map(tr).join('\n')}</tbody></table>`,
    '<p>Replay with <code>git bisect replay bisect.log</code> in a clone of the tree.</p>',
    '</body></html>',
    '',
  ].join('\n');
}

export async function writeBisectReports(dir: string, s: BisectState, o: BisectEnd): Promise<string[]> {
  const rows = reportRows(s);
  const md = path.join(dir, 'report.md');
  const html = path.join(dir, 'report.html');
  await writeFile(md, renderMarkdown(s, o, rows));
  await writeFile(html, await renderHtml(s, o, rows));
  return [md, html];
}
