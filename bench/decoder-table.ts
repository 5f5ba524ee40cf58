// The decoder benchmark's result rows and their table, shared by its synthetic and real-posterior modes.

/** One graph, input set and decoder setting. */
export interface Row {
  graph: string;
  /** Which posteriors: synthetic ("realistic", "noisy") or the recordings they came from. */
  data: string;
  setting: string;
  /** Decode seconds per audio second. */
  rtf: number;
  framesPerSec: number;
  /** Tokens kept per searched frame. */
  activePerFrame: number;
  skippedPct: number;
  wer: number;
  /** Decode time over the baseline's, same graph and data, same run. */
  timeRatio: number;
  /** WER minus the baseline's. */
  werDelta: number;
}

/** The rows as an aligned text table (text columns left, numbers right). */
export function table(rows: readonly Row[]): string {
  const head = ['graph', 'posteriors', 'setting', 'RTF', 'frames/s', 'tokens/frame', 'skipped', 'WER', 'time ×base', 'WER Δ'];
  const body = rows.map((r) => [
    r.graph,
    r.data,
    r.setting,
    r.rtf.toExponential(2),
    Math.round(r.framesPerSec).toLocaleString('en-US'),
    r.activePerFrame.toFixed(0),
    `${r.skippedPct.toFixed(1)}%`,
    `${(100 * r.wer).toFixed(2)}%`,
    r.timeRatio.toFixed(2),
    `${r.werDelta >= 0 ? '+' : ''}${(100 * r.werDelta).toFixed(2)}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export function mean(a: readonly number[]): number {
  return a.length === 0 ? NaN : a.reduce((x, y) => x + y, 0) / a.length;
}

/** P(a wrong word's confidence < a right word's), ties counting half (the area under the ROC curve). */
export function auc(wrong: readonly number[], right: readonly number[]): number {
  let below = 0;
  for (const w of wrong) for (const r of right) below += w < r ? 1 : w === r ? 0.5 : 0;
  return below / Math.max(1, wrong.length * right.length);
}
