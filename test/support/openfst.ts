// Runs OpenFst's command-line tools as the oracle for tests; tests skip with a reason when they are missing.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fst } from '../../decoder/fst/fst.ts';
import { compileText, printText } from '../../decoder/fst/text-format.ts';
import { LogSemiring, TropicalSemiring, type Semiring } from '../../decoder/fst/semiring.ts';
import type { VectorFst } from '../../decoder/fst/vector-fst.ts';

let available: boolean | undefined;

/** Why OpenFst tests are skipped, or false when `fstcompile` is on PATH. */
export function openFstSkipReason(): string | false {
  if (available === undefined) {
    const r = spawnSync('fstcompile', ['--help'], { encoding: 'utf8' });
    available = r.error === undefined;
  }
  return available ? false : 'OpenFst command-line tools (Debian libfst-tools) not installed';
}

/** A scratch directory holding FST files for one test; call `dispose()` at the end. */
export class OpenFstWorkspace {
  readonly dir: string;
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'fst-oracle-'));
  }
  path(name: string): string {
    return join(this.dir, name);
  }
  /** Writes `fst` as an OpenFst binary file (through fstcompile) and returns its path. */
  put(name: string, fst: Fst): string {
    const txt = this.path(`${name}.txt`);
    writeFileSync(txt, printText(fst));
    const out = this.path(`${name}.fst`);
    run('fstcompile', ['--keep_state_numbering', `--arc_type=${arcType(fst.semiring)}`, txt, out]);
    return out;
  }
  /**
   * Writes `fst` as `<name>.txt` here and returns the shell line of a `script` that compiles it to `<name>.fst`
   * (state numbers kept, the script stopped when fstcompile fails).
   */
  compileLine(name: string, fst: Fst): string {
    writeFileSync(this.path(`${name}.txt`), printText(fst));
    return `fstcompile --keep_state_numbering --arc_type=${arcType(fst.semiring)} ${name}.txt ${name}.fst || exit 1`;
  }
  /**
   * Runs `lines` as one bash script in this directory: one shell for hundreds of tool calls keeps the oracle tests
   * fast. Throws with the script's stderr when it exits non-zero; returns its stdout.
   */
  script(lines: readonly string[]): string {
    const r = spawnSync('bash', ['-c', lines.join('\n')], { cwd: this.dir, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`oracle script failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  }
  /** The text of file `name` in this directory. */
  read(name: string): string {
    return readFileSync(this.path(name), 'utf8');
  }
  /** Reads an OpenFst binary file back (through fstprint). */
  get(path: string, semiring: Semiring): VectorFst {
    return compileText(run('fstprint', [path]), { semiring, keepStateNumbering: true });
  }
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function arcType(sr: Semiring): string {
  return sr === LogSemiring ? 'log' : 'standard';
}

/** Runs an OpenFst tool; throws with its stderr when it fails. Returns stdout. */
export function run(tool: string, args: string[], input?: string): string {
  const r = spawnSync(tool, args, { encoding: 'utf8', input, maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Runs a tool and returns its exit status (fstequivalent / fstisomorphic answer through it). */
export function status(tool: string, args: string[]): { code: number; stderr: string } {
  const r = spawnSync(tool, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stderr: r.stderr };
}

/** `fstisomorphic` on two files; true when isomorphic within delta. */
export function isomorphic(a: string, b: string, delta = 1 / 1024): boolean {
  const r = status('fstisomorphic', [`--delta=${delta}`, a, b]);
  if (r.code !== 0 && r.code !== 2 && r.code !== 1) throw new Error(`fstisomorphic failed: ${r.stderr}`);
  return r.code === 0;
}

/** `fstequivalent` on two files (both must be deterministic acceptors); true when equivalent within delta. */
export function equivalent(a: string, b: string, delta = 1 / 1024): boolean {
  const r = status('fstequivalent', [`--delta=${delta}`, a, b]);
  if (r.stderr.includes('ERROR')) throw new Error(`fstequivalent failed: ${r.stderr}`);
  return r.code === 0;
}

/**
 * Script line: `fstisomorphic` (delta 1/1024) on two files of the workspace, its exit status (0: isomorphic)
 * written to `statusFile` instead of stopping the script.
 */
export function isomorphicLine(a: string, b: string, statusFile: string): string {
  return `fstisomorphic --delta=0.0009765625 ${a} ${b}; echo $? > ${statusFile}`;
}

/**
 * fstprint's text without its "s\tInfinity" lines: fstprint lists a state that has no arcs and is not final with
 * a final weight of Infinity (zero), where printText omits it.
 */
export function withoutInfinityFinals(text: string): string {
  return text.replace(/^\d+\tInfinity\n/gm, '');
}

/** Reads a text file (for debugging messages). */
export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

export { TropicalSemiring, LogSemiring };
