// Benchmark: how well word confidences separate right from wrong words on the acoustic model's real output.
//
// npm run bench:confidence
//
// The model in models/ds2-stream-en turns real-dev (16 read sentences, `en` grammar) and the held-out FSDD recordings
// (recordings 0–4 of each digit and speaker, 200 files, `digits` grammar) into log-probs; the engine's recognizers
// (its decoder settings: n-best word posteriors as confidences, the card's blank penalty) decode each recording as
// the engine's `transcribe` does. Each hypothesis is aligned to its reference by the minimum-edit alignment that
// engine/wer.ts counts (ties: substitution, then deletion, then insertion), so every hypothesis word is right,
// substituted or inserted. Prints, per set: counts and mean confidence of each kind, the chance that a wrong word
// has lower confidence than a right one (ties half), and how right and wrong words fall into confidence bands.
// Progress goes to stderr, the tables to stdout, a JSON copy to bench/out/confidence.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alignCounts, normalizeTranscript } from '../engine/wer.ts';
import { auc, mean } from './decoder-table.ts';
import { EngineInputs, engineStream, fsddHeldOutRows, realDevRows, transcribe } from './real-posteriors.ts';

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'out');
const BANDS = [0, 0.5, 0.8, 0.95, 1.0000001];

/** What an aligned hypothesis word is. */
export type WordOutcome = 'right' | 'substituted' | 'inserted';

/**
 * The outcome of each hypothesis word under the minimum-edit alignment that `alignCounts` counts (same costs, same
 * tie-breaking: substitution, then deletion, then insertion), and the number of deleted reference words.
 * O(|ref|·|hyp|) time and memory.
 */
export function alignHypothesis(ref: readonly string[], hyp: readonly string[]): { outcomes: WordOutcome[]; deletions: number } {
  const n = ref.length;
  const m = hyp.length;
  const cost = new Int32Array((n + 1) * (m + 1));
  // 0 diagonal, 1 deletion (up), 2 insertion (left).
  const move = new Uint8Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let j = 1; j <= m; j++) {
    cost[at(0, j)] = j;
    move[at(0, j)] = 2;
  }
  for (let i = 1; i <= n; i++) {
    cost[at(i, 0)] = i;
    move[at(i, 0)] = 1;
    for (let j = 1; j <= m; j++) {
      const diag = cost[at(i - 1, j - 1)] + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      const up = cost[at(i - 1, j)] + 1;
      const left = cost[at(i, j - 1)] + 1;
      if (diag <= up && diag <= left) cost[at(i, j)] = diag;
      else if (up <= left) {
        cost[at(i, j)] = up;
        move[at(i, j)] = 1;
      } else {
        cost[at(i, j)] = left;
        move[at(i, j)] = 2;
      }
    }
  }
  const outcomes = new Array<WordOutcome>(m);
  let deletions = 0;
  for (let i = n, j = m; i > 0 || j > 0; ) {
    const mv = move[at(i, j)];
    if (mv === 0) {
      outcomes[j - 1] = ref[i - 1] === hyp[j - 1] ? 'right' : 'substituted';
      i--;
      j--;
    } else if (mv === 1) {
      deletions++;
      i--;
    } else {
      outcomes[j - 1] = 'inserted';
      j--;
    }
  }
  return { outcomes, deletions };
}

interface SetResult {
  grammar: string;
  data: string;
  recordings: number;
  refWords: number;
  deletions: number;
  byOutcome: Record<WordOutcome, number[]>;
}

function progress(msg: string): void {
  process.stderr.write(`[confidence-bench] ${msg}\n`);
}

function f3(x: number): string {
  return Number.isNaN(x) ? '–' : x.toFixed(3);
}

function pad(rows: string[][], left: number): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(rows[0]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const sets = [
    { grammar: 'digits', data: 'fsdd held-out', rows: fsddHeldOutRows() },
    { grammar: 'en', data: 'real-dev', rows: realDevRows() },
  ];
  for (const s of sets) if (s.rows.length === 0) throw new Error(`no ${s.data} recordings: ../shared/data is missing`);
  const inputs = await EngineInputs.open({ grammars: sets.map((s) => s.grammar), log: (l) => progress(l) });
  const results: SetResult[] = [];
  try {
    for (const set of sets) {
      const rec = inputs.recognizer(set.grammar);
      const r: SetResult = { grammar: set.grammar, data: set.data, recordings: set.rows.length, refWords: 0, deletions: 0, byOutcome: { right: [], substituted: [], inserted: [] } };
      for (const u of await inputs.utterances(set.rows)) {
        const t = transcribe(engineStream(rec), u);
        const ref = normalizeTranscript(u.transcript);
        const hyp = t.words.map((w) => w.word);
        const { outcomes, deletions } = alignHypothesis(ref, hyp);
        const c = alignCounts(ref, hyp);
        const count = (o: WordOutcome) => outcomes.filter((x) => x === o).length;
        if (c.hits !== count('right') || c.substitutions !== count('substituted') || c.insertions !== count('inserted') || c.deletions !== deletions) {
          throw new Error(`${u.id}: the word alignment disagrees with engine/wer.ts`);
        }
        outcomes.forEach((o, k) => r.byOutcome[o].push(t.words[k].confidence));
        r.refWords += ref.length;
        r.deletions += deletions;
      }
      progress(`${set.grammar}/${set.data}: ${set.rows.length} recordings decoded`);
      results.push(r);
    }
  } finally {
    await inputs.close();
  }

  console.log(`\nWord confidence on real output of ${inputs.modelName}, the engine's decoder settings (n-best word posteriors)`);
  const head = ['grammar', 'recordings', 'ref words', 'WER', 'right: n', 'mean', 'subst.: n', 'mean', 'inserted: n', 'mean', 'wrong: mean', 'P(wrong < right)'];
  const body = results.map((r) => {
    const wrong = [...r.byOutcome.substituted, ...r.byOutcome.inserted];
    const errors = wrong.length + r.deletions;
    return [
      r.grammar,
      `${r.data} (${r.recordings})`,
      String(r.refWords),
      `${((100 * errors) / r.refWords).toFixed(2)}%`,
      String(r.byOutcome.right.length),
      f3(mean(r.byOutcome.right)),
      String(r.byOutcome.substituted.length),
      f3(mean(r.byOutcome.substituted)),
      String(r.byOutcome.inserted.length),
      f3(mean(r.byOutcome.inserted)),
      f3(mean(wrong)),
      wrong.length === 0 || r.byOutcome.right.length === 0 ? '–' : f3(auc(wrong, r.byOutcome.right)),
    ];
  });
  console.log(pad([head, ...body], 2));

  console.log('\nWords by confidence band (wrong = substituted or inserted):');
  const bandRows: string[][] = [['grammar', 'confidence', 'words', 'right', 'wrong', 'share right']];
  for (const r of results) {
    const wrong = [...r.byOutcome.substituted, ...r.byOutcome.inserted];
    for (let b = 0; b + 1 < BANDS.length; b++) {
      const inBand = (x: number) => x >= BANDS[b] && x < BANDS[b + 1];
      const nr = r.byOutcome.right.filter(inBand).length;
      const nw = wrong.filter(inBand).length;
      const label = b + 2 === BANDS.length ? `[${BANDS[b]}, 1]` : `[${BANDS[b]}, ${BANDS[b + 1]})`;
      bandRows.push([r.grammar, label, String(nr + nw), String(nr), String(nw), nr + nw === 0 ? '–' : `${((100 * nr) / (nr + nw)).toFixed(1)}%`]);
    }
  }
  console.log(pad(bandRows, 2));
  for (const r of results) {
    const wrong = [...r.byOutcome.substituted, ...r.byOutcome.inserted];
    const lowW = wrong.filter((x) => x < 0.5).length;
    const lowR = r.byOutcome.right.filter((x) => x < 0.5).length;
    console.log(
      `${r.grammar}: under 0.5, ${lowW} wrong and ${lowR} right words (${lowW + lowR === 0 ? '–' : ((100 * lowW) / (lowW + lowR)).toFixed(1) + '% wrong'}); ` +
        `${lowW} of ${wrong.length} wrong words and ${lowR} of ${r.byOutcome.right.length} right words are under 0.5`,
    );
  }
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'confidence.json'), JSON.stringify({ model: inputs.modelName, results }, null, 2));
  progress(`wrote ${join(OUT, 'confidence.json')}`);
}

await main();
