// Child process of bench/graph-build.ts: builds det(min(L ∘ G)) with our library and reports stage timings as JSON.
//
// Usage: node --import tsx bench/graph-build-ours.ts --chars=F --words=F --lexicon=F --grammar=F --out=F.bin
//        [--text-out=F.txt]
// Prints one JSON object (OursReport) on stdout. Runs in its own process so that maxRSS is this job's alone.

import { readFileSync, writeFileSync } from 'node:fs';
import { arcSort } from '../decoder/fst/arc-sort.ts';
import { writeFstFile } from '../decoder/fst/binary-format.ts';
import { compose } from '../decoder/fst/compose.ts';
import { determinize } from '../decoder/fst/determinize.ts';
import { totalArcs, type Fst } from '../decoder/fst/fst.ts';
import { minimize } from '../decoder/fst/minimize.ts';
import { SymbolTable } from '../decoder/fst/symbol-table.ts';
import { compileText, printText } from '../decoder/fst/text-format.ts';

/** One timed stage of our pipeline. */
export interface OursStage {
  stage: string;
  seconds: number;
  states: number;
  arcs: number;
  /** Peak resident set of this process so far, KiB (process.resourceUsage().maxRSS). */
  peakKiB: number;
}

export interface OursReport {
  /** Peak RSS before the first stage (Node, tsx and the library loaded), KiB. */
  baselineKiB: number;
  stages: OursStage[];
}

function arg(name: string): string | undefined {
  const p = `--${name}=`;
  return process.argv.slice(2).find((a) => a.startsWith(p))?.slice(p.length);
}

function need(name: string): string {
  const v = arg(name);
  if (v === undefined) throw new Error(`graph-build-ours: missing --${name}=`);
  return v;
}

function runOurs(): OursReport {
  const baselineKiB = process.resourceUsage().maxRSS;
  const stages: OursStage[] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  const timed = <T>(stage: string, f: () => T, size: (x: T) => Fst | undefined): T => {
    gc?.();
    const t0 = performance.now();
    const x = f();
    const seconds = (performance.now() - t0) / 1000;
    const fst = size(x);
    stages.push({
      stage,
      seconds,
      states: fst ? fst.numStates() : 0,
      arcs: fst ? totalArcs(fst) : 0,
      peakKiB: process.resourceUsage().maxRSS,
    });
    process.stderr.write(`[ours] ${stage}: ${seconds.toFixed(3)} s\n`);
    return x;
  };
  const id = (f: Fst) => f;
  const parsed = timed('parse L', () => {
    const words = SymbolTable.fromText(readFileSync(need('words'), 'utf8'), need('words'));
    const chars = SymbolTable.fromText(readFileSync(need('chars'), 'utf8'), need('chars'));
    return { words, L: compileText(readFileSync(need('lexicon'), 'utf8'), { isymbols: chars, osymbols: words }) };
  }, (x) => x.L);
  const { words, L } = parsed;
  const G = timed(
    'parse G',
    () => compileText(readFileSync(need('grammar'), 'utf8'), { isymbols: words, osymbols: words }),
    id,
  );
  timed('arcsort L', () => arcSort(L, 'olabel'), () => L);
  let LG: Fst | undefined = timed('compose', () => compose(L, G), id);
  const det = timed('determinize', () => determinize(LG as Fst), id);
  LG = undefined;
  timed('minimize', () => minimize(det), () => det);
  const out = need('out');
  timed('write', () => writeFstFile(out, det), () => det);
  const textOut = arg('text-out');
  if (textOut !== undefined) writeFileSync(textOut, printText(det));
  return { baselineKiB, stages };
}

process.stdout.write(JSON.stringify(runOurs()) + '\n');
