// Child process of bench/graph-build.ts: runs ONE stage of det/min(L ∘ G) with our library, as one OpenFst tool
// would (load its input files, run, store the output), and reports timings and peak memory as JSON.
//
// Usage: node bench/out/graph-build-ours.mjs --stage=NAME --in=F[,F2] --out=F [--chars=F --words=F] [--text-out=F]
// Stages: compile-L and compile-G read AT&T text; the others read and write our binary format.
// The parent bundles this file to plain JavaScript first, so the process carries no TypeScript loader.

import { readFileSync, writeFileSync } from 'node:fs';
import { arcSort } from '../decoder/fst/arc-sort.ts';
import { readFstFile, writeFstFile } from '../decoder/fst/binary-format.ts';
import { compose } from '../decoder/fst/compose.ts';
import { determinize } from '../decoder/fst/determinize.ts';
import { totalArcs, type Fst } from '../decoder/fst/fst.ts';
import { minimize } from '../decoder/fst/minimize.ts';
import { SymbolTable } from '../decoder/fst/symbol-table.ts';
import { compileText, printText } from '../decoder/fst/text-format.ts';
import { VectorFst } from '../decoder/fst/vector-fst.ts';

/** One stage of our pipeline, measured inside its own process. */
export interface OursStage {
  stage: string;
  /** Load + algorithm + store, seconds (the process start itself is not counted). */
  seconds: number;
  /** The algorithm alone, seconds. */
  algorithmSeconds: number;
  states: number;
  arcs: number;
  /** Peak resident set of the stage's process, KiB (process.resourceUsage().maxRSS). */
  peakKiB: number;
  /** Peak resident set before loading anything (Node and the library), KiB. */
  baselineKiB: number;
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

function runStage(): OursStage {
  const baselineKiB = process.resourceUsage().maxRSS;
  const stage = need('stage');
  const inputs = need('in').split(',');
  const t0 = performance.now();
  let t1 = t0;
  let t2 = t0;
  let result: Fst;
  const start = () => (t1 = performance.now());
  const stop = () => (t2 = performance.now());
  switch (stage) {
    case 'compile-L':
    case 'compile-G': {
      const words = SymbolTable.fromText(readFileSync(need('words'), 'utf8'));
      const isymbols = stage === 'compile-L' ? SymbolTable.fromText(readFileSync(need('chars'), 'utf8')) : words;
      const text = readFileSync(inputs[0], 'utf8');
      start();
      result = compileText(text, { isymbols, osymbols: words });
      stop();
      break;
    }
    case 'arcsort': {
      const f = VectorFst.from(readFstFile(inputs[0]));
      start();
      arcSort(f, 'olabel');
      stop();
      result = f;
      break;
    }
    case 'compose': {
      const a = readFstFile(inputs[0]);
      const b = readFstFile(inputs[1]);
      start();
      result = compose(a, b);
      stop();
      break;
    }
    case 'determinize': {
      const f = readFstFile(inputs[0]);
      start();
      result = determinize(f);
      stop();
      break;
    }
    case 'minimize': {
      const f = VectorFst.from(readFstFile(inputs[0]));
      start();
      minimize(f);
      stop();
      result = f;
      break;
    }
    default:
      throw new Error(`graph-build-ours: unknown stage ${stage}`);
  }
  writeFstFile(need('out'), result);
  const seconds = (performance.now() - t0) / 1000;
  const report: OursStage = {
    stage,
    seconds,
    algorithmSeconds: (t2 - t1) / 1000,
    states: result.numStates(),
    arcs: totalArcs(result),
    peakKiB: process.resourceUsage().maxRSS,
    baselineKiB,
  };
  const textOut = arg('text-out');
  if (textOut !== undefined) writeFileSync(textOut, printText(result));
  return report;
}

process.stdout.write(JSON.stringify(runStage()) + '\n');
