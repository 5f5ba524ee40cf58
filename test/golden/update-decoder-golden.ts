// Golden outputs of the decoder (transcripts, word times, confidences, costs, codes) for fixed synthetic inputs.
//
// Regenerate after an intended change of decoder output, and review the diff:
//   node --import tsx test/golden/update-decoder-golden.ts
// test/golden/decoder.test.ts fails when the decoder's output differs from decoder.golden.json.

import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileGrammar } from '../../decoder/graph/tlg.ts';
import { TokenTable } from '../../decoder/graph/tokens.ts';
import { DIGIT_WORDS } from '../../decoder/graph/words.ts';
import { Recognizer } from '../../decoder/search/recognizer.ts';
import type { UtteranceResult } from '../../decoder/search/results.ts';
import { synthesizePosteriors, type SyntheticOptions } from '../../decoder/search/synthetic-posteriors.ts';

export const GOLDEN_FILE = join(dirname(fileURLToPath(import.meta.url)), 'decoder.golden.json');

const COMMANDS = `#JSGF V1.0;
grammar commands;
public <switch> = (turn | switch) (on | off) the <device> [in the <room>];
public <heat> = set the <room> temperature to <number> degrees;
<device> = light | lights | fan | radio | heater;
<room> = kitchen | bedroom | living room | hall;
<number> = one | two | three | four | five | ten | twenty;
`;

interface Case {
  name: string;
  grammar: 'digits' | 'commands' | 'none';
  mode?: 'greedy' | 'prefix-beam';
  text: string;
  synth: SyntheticOptions;
  nbest?: number;
}

const CASES: Case[] = [
  { name: 'digits clean', grammar: 'digits', text: 'one two three four', synth: { seed: 1 } },
  { name: 'digits noisy, n-best', grammar: 'digits', text: 'nine five five zero', synth: { seed: 2, confusion: 0.7, peak: [0.1, 0.6] }, nbest: 4 },
  { name: 'digits, no spaces', grammar: 'digits', text: 'seven eight', synth: { seed: 3, spaces: false } },
  { name: 'commands', grammar: 'commands', text: 'switch off the heater in the living room', synth: { seed: 4, confusion: 0.1 } },
  { name: 'commands, no match', grammar: 'commands', text: 'three two one', synth: { seed: 5 } },
  { name: 'greedy', grammar: 'none', mode: 'greedy', text: 'open vocabulary works', synth: { seed: 6, confusion: 0 } },
  { name: 'prefix beam', grammar: 'none', mode: 'prefix-beam', text: 'open vocabulary works', synth: { seed: 7, confusion: 0.05 }, nbest: 2 },
];

/** A result with numbers rounded (to 1e-4) so that the file reads well and compares exactly. */
function summary(r: UtteranceResult): unknown {
  const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : String(x));
  return {
    code: r.code,
    text: r.text,
    words: r.words.map((w) => [w.word, round(w.startSec), round(w.endSec), round(w.confidence)]),
    cost: round(r.cost),
    graphCost: round(r.graphCost),
    alternatives: r.alternatives.map((a) => [a.text, round(a.cost), round(a.posterior)]),
    ...(r.noMatch ? { noMatch: [r.noMatch.reason, r.noMatch.guess] } : {}),
  };
}

/** Runs every case; returns name → summary. */
export function decoderGoldenOutputs(): Record<string, unknown> {
  const tokens = TokenTable.default();
  const recognizers = {
    digits: new Recognizer({ graph: compileGrammar({ kind: 'words', words: DIGIT_WORDS }, tokens) }),
    commands: new Recognizer({ graph: compileGrammar({ kind: 'jsgf', text: COMMANDS }, tokens) }),
  };
  const out: Record<string, unknown> = {};
  for (const c of CASES) {
    const rec = c.grammar === 'none' ? new Recognizer({ tokens, mode: c.mode }) : recognizers[c.grammar];
    const u = synthesizePosteriors(c.text, tokens, c.synth);
    const s = rec.createStream({ endpoint: false, nbest: c.nbest ?? 1 });
    s.accept(u.logProbs, u.numFrames);
    out[c.name] = summary(s.finish());
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // One case a line, so that a change reads as a one-line diff.
  const entries = Object.entries(decoderGoldenOutputs()).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  writeFileSync(GOLDEN_FILE, `{\n${entries.join(',\n')}\n}\n`);
  process.stderr.write(`wrote ${GOLDEN_FILE}\n`);
}
