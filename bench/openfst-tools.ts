// OpenFst's command-line tools in the benchmarks: one tool timed under GNU time, and the size of what it wrote.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs one tool in `dir` under GNU time (/usr/bin/time); returns its wall time in ms and its peak RSS in KiB (GNU
 * time's %M). The wall time is our clock around the spawn: finer than GNU time's %e (1/100 s), and it adds only
 * the exec cost. Throws with the tool's stderr when it fails.
 */
export function timeTool(dir: string, tool: string, args: string[]): { ms: number; peakKiB: number } {
  const timeFile = join(dir, 'time.out');
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, tool, ...args], { cwd: dir, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, peakKiB: Number(readFileSync(timeFile, 'utf8').trim().split(/\s+/).pop()) };
}

/**
 * States and arcs of an OpenFst VectorFst binary file without symbol tables, read from the file itself (its
 * header's arc count is not filled in by VectorFst::Write). Throws on any other kind of file.
 */
export function openFstCounts(path: string): { states: number; arcs: number } {
  const b = readFileSync(path);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getInt32(0, true) !== 2125659606) throw new Error(`${path}: not an OpenFst binary`);
  let off = 4;
  const str = () => {
    const n = dv.getInt32(off, true);
    const s = b.toString('latin1', off + 4, off + 4 + n);
    off += 4 + n;
    return s;
  };
  const type = str();
  str(); // arc type
  off += 4; // version
  const flags = dv.getInt32(off, true);
  off += 4 + 8 + 8; // flags, properties, start
  const states = Number(dv.getBigInt64(off, true));
  off += 16; // numstates, numarcs
  if (type !== 'vector' || flags !== 0) throw new Error(`${path}: expected a vector FST without symbol tables`);
  let arcs = 0;
  for (let s = 0; s < states; s++) {
    const k = Number(dv.getBigInt64(off + 4, true));
    arcs += k;
    off += 12 + 16 * k;
  }
  return { states, arcs };
}
