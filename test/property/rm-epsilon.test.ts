// rmEpsilon: keeps the weighted relation and removes every epsilon, on random FSTs; agrees with fstrmepsilon.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { ArcView, type Fst } from '../../decoder/fst/fst.ts';
import { Props, computeProperties } from '../../decoder/fst/properties.ts';
import { randGen } from '../../decoder/fst/rand-gen.ts';
import { rmEpsilon } from '../../decoder/fst/rm-epsilon.ts';
import { LogSemiring, TropicalSemiring, type Semiring } from '../../decoder/fst/semiring.ts';
import { printText } from '../../decoder/fst/text-format.ts';
import { VectorFst } from '../../decoder/fst/vector-fst.ts';
import { randomFst } from '../support/random-fst.ts';
import { baseSeed } from '../support/random.ts';
import { OpenFstWorkspace, arcType, openFstSkipReason, withoutInfinityFinals } from '../support/openfst.ts';

const skip = openFstSkipReason();

/**
 * Random FST with many epsilons. In the log semiring every epsilon arc gets a positive weight, so epsilon cycles
 * have positive weight and their closure converges (k-closedness, the documented precondition).
 */
function epsilonFst(seed: number, opts: { semiring: Semiring; cyclic: boolean; acceptor: boolean; weighted?: boolean }): VectorFst {
  const f = randomFst(seed, { ...opts, epsilonProb: 0.4, maxStates: 7 });
  if (opts.semiring === LogSemiring) {
    const v = new ArcView();
    for (let s = 0; s < f.numStates(); s++) {
      f.arcs(s, v);
      for (let a = v.begin, k = 0; a < v.end; a++, k++) {
        if (v.ilabel[a] === 0 && v.olabel[a] === 0 && v.weight[a] <= 0) {
          f.setArc(s, k, 0, 0, 0.5, v.nextstate[a]);
        }
      }
    }
  }
  return f;
}

/**
 * Reference evaluator, independent of the library's algorithms: the ⊕-sum of the weights of all successful paths
 * whose non-epsilon input labels spell x and non-epsilon output labels spell y. Generic single-source distance
 * (FIFO, float64) over the product of the FST with the positions in x and y.
 */
function relationWeight(fst: Fst, x: readonly number[], y: readonly number[]): number {
  const sr = fst.semiring;
  const start = fst.start();
  if (start < 0) return sr.zero;
  const nx = x.length + 1;
  const ny = y.length + 1;
  const size = fst.numStates() * nx * ny;
  const d = new Float64Array(size).fill(sr.zero);
  const r = new Float64Array(size).fill(sr.zero);
  const queued = new Uint8Array(size);
  const queue: number[] = [];
  const node = (s: number, i: number, j: number) => (s * nx + i) * ny + j;
  const s0 = node(start, 0, 0);
  d[s0] = r[s0] = sr.one;
  queue.push(s0);
  queued[s0] = 1;
  const v = new ArcView();
  for (let steps = 0; queue.length > 0; steps++) {
    assert.ok(steps < 5e6, 'reference evaluator did not converge');
    const u = queue.shift() as number;
    queued[u] = 0;
    const ru = r[u];
    r[u] = sr.zero;
    const s = Math.floor(u / (nx * ny));
    const i = Math.floor(u / ny) % nx;
    const j = u % ny;
    fst.arcs(s, v);
    for (let a = v.begin; a < v.end; a++) {
      const il = v.ilabel[a];
      const ol = v.olabel[a];
      const i2 = il === 0 ? i : i < x.length && x[i] === il ? i + 1 : -1;
      const j2 = ol === 0 ? j : j < y.length && y[j] === ol ? j + 1 : -1;
      if (i2 < 0 || j2 < 0) continue;
      const t = node(v.nextstate[a], i2, j2);
      const w = sr.times(ru, v.weight[a]);
      const nd = sr.plus(d[t], w);
      if (Math.abs(nd - d[t]) <= 1e-12 || nd === d[t]) continue;
      d[t] = nd;
      r[t] = sr.plus(r[t], w);
      if (!queued[t]) {
        queued[t] = 1;
        queue.push(t);
      }
    }
  }
  let total = sr.zero;
  for (let s = 0; s < fst.numStates(); s++) total = sr.plus(total, sr.times(d[node(s, x.length, y.length)], fst.final(s)));
  return total;
}

/** Label strings (input, output) of the paths of a randGen result. */
function sampledStrings(sample: Fst): [number[], number[]][] {
  const out: [number[], number[]][] = [];
  const v = new ArcView();
  const walk = (s: number, x: number[], y: number[]) => {
    if (sample.final(s) !== Infinity) out.push([x, y]);
    sample.arcs(s, v);
    const arcs: [number, number, number][] = [];
    for (let a = v.begin; a < v.end; a++) arcs.push([v.ilabel[a], v.olabel[a], v.nextstate[a]]);
    for (const [il, ol, t] of arcs) walk(t, il ? [...x, il] : x, ol ? [...y, ol] : y);
  };
  if (sample.start() >= 0) walk(sample.start(), [], []);
  return out;
}

test('rmEpsilon keeps the weighted relation, leaves no epsilon and trims, on random FSTs', () => {
  for (let i = 0; i < 240; i++) {
    const seed = baseSeed() + i;
    const semiring = i % 2 === 0 ? TropicalSemiring : LogSemiring;
    const f = epsilonFst(seed, { semiring, cyclic: i % 3 !== 0, acceptor: i % 4 === 0 });
    const g = VectorFst.from(f);
    rmEpsilon(g);
    const p = computeProperties(g);
    assert.ok(p & Props.NO_EPSILONS, `seed ${seed}: epsilons left`);
    const known = g.properties(-1, false);
    assert.equal(known & p, known, `seed ${seed}: wrong property bits`);
    if (g.numStates() > 0) assert.ok(p & Props.ACCESSIBLE && p & Props.COACCESSIBLE, `seed ${seed}: not trimmed`);
    const strings = [
      ...sampledStrings(randGen(f, { seed, npath: 8, maxLength: 12 })),
      ...sampledStrings(randGen(g, { seed: seed + 1, npath: 8, maxLength: 12 })),
      [[1, 2], [3]] as [number[], number[]],
    ];
    for (const [x, y] of strings) {
      const want = relationWeight(f, x, y);
      const got = relationWeight(g, x, y);
      const ok = want === got || Math.abs(want - got) <= 2e-3 * Math.max(1, Math.abs(want));
      assert.ok(ok, `seed ${seed}: weight of ${x}:${y} is ${got}, want ${want}\n${printText(f)}`);
    }
  }
});

test('rmEpsilon without connect keeps every state and the same relation', () => {
  for (let i = 0; i < 60; i++) {
    const seed = baseSeed() + 500 + i;
    const f = epsilonFst(seed, { semiring: i % 2 ? LogSemiring : TropicalSemiring, cyclic: true, acceptor: false });
    const g = VectorFst.from(f);
    rmEpsilon(g, { connect: false });
    assert.equal(g.numStates(), f.numStates(), `seed ${seed}`);
    assert.ok(computeProperties(g) & Props.NO_EPSILONS, `seed ${seed}`);
    for (const [x, y] of sampledStrings(randGen(f, { seed, npath: 6, maxLength: 10 }))) {
      const want = relationWeight(f, x, y);
      const got = relationWeight(g, x, y);
      assert.ok(want === got || Math.abs(want - got) <= 2e-3 * Math.max(1, Math.abs(want)), `seed ${seed}`);
    }
  }
});

/** Two AT&T texts with equal lines, weights compared within a relative 1e-4 (log sums round differently). */
function sameText(a: string, b: string): boolean {
  const la = a.trim().split('\n');
  const lb = b.trim().split('\n');
  if (la.length !== lb.length) return false;
  // Lines are "src dst il ol [w]" or "state [w]"; a weight of one is not printed.
  const fields = (line: string): string[] => {
    const f = line.split('\t');
    return f.length === 4 || f.length === 1 ? [...f, '0'] : f;
  };
  for (let k = 0; k < la.length; k++) {
    const fa = fields(la[k]);
    const fb = fields(lb[k]);
    const wIndex = fa.length - 1;
    if (fa.length !== fb.length || fa.slice(0, wIndex).join() !== fb.slice(0, wIndex).join()) return false;
    const wa = Number(fa[wIndex]);
    const wb = Number(fb[wIndex]);
    if (wa !== wb && Math.abs(wa - wb) > 1e-4 * Math.max(1, Math.abs(wa))) return false;
  }
  return true;
}

/**
 * Case i of the OpenFst comparison. 'exact' cases stay determinizable (acyclic, or cyclic with unweighted
 * tropical arcs) and are compared by determinizing both results; the others by fstequivalent --random, whose
 * sampled paths compose acyclically with the epsilon-free results, so log weights are compared too.
 */
function oracleCase(i: number, seed: number): { fst: VectorFst; exact: boolean } {
  const acceptor = i % 3 === 0;
  switch (i % 4) {
    case 0:
      return { fst: epsilonFst(seed, { semiring: i % 8 < 4 ? TropicalSemiring : LogSemiring, cyclic: false, acceptor }), exact: true };
    case 1:
      return { fst: epsilonFst(seed, { semiring: TropicalSemiring, cyclic: true, acceptor, weighted: false }), exact: true };
    case 2:
      return { fst: epsilonFst(seed, { semiring: LogSemiring, cyclic: true, acceptor }), exact: false };
    default:
      return { fst: epsilonFst(seed, { semiring: TropicalSemiring, cyclic: true, acceptor }), exact: false };
  }
}

test('rmEpsilon gives the same FST and weighted relation as fstrmepsilon on 200 random FSTs', { skip }, () => {
  const ws = new OpenFstWorkspace();
  try {
    const lines: string[] = [];
    const n = 200;
    for (let i = 0; i < n; i++) {
      const seed = baseSeed() + i;
      const { fst, exact } = oracleCase(i, seed);
      const ours = VectorFst.from(fst);
      rmEpsilon(ours);
      const type = arcType(fst.semiring);
      writeFileSync(ws.path(`in${i}.txt`), printText(fst));
      writeFileSync(ws.path(`ours${i}.txt`), printText(ours));
      lines.push(
        `fstcompile --keep_state_numbering --arc_type=${type} in${i}.txt | fstrmepsilon - ref${i}.fst`,
        `fstprint ref${i}.fst > ref${i}.txt`,
        `fstcompile --keep_state_numbering --arc_type=${type} ours${i}.txt ours${i}.fst`,
      );
      if (!exact) {
        lines.push(`fstequivalent --random --npath=60 --max_length=20 --seed=${seed} ref${i}.fst ours${i}.fst; echo "${i} $?"`);
      } else if (fst.properties(Props.ACCEPTOR, true) & Props.ACCEPTOR) {
        lines.push(`fstequivalent <(fstdeterminize ref${i}.fst) <(fstdeterminize ours${i}.fst); echo "${i} $?"`);
      } else {
        // Transducers: encode label pairs with one shared codex, then compare as acceptors.
        lines.push(
          `fstencode --encode_labels ref${i}.fst codex${i} refe${i}.fst`,
          `fstencode --encode_labels --encode_reuse ours${i}.fst codex${i} ourse${i}.fst`,
          `fstequivalent <(fstdeterminize refe${i}.fst) <(fstdeterminize ourse${i}.fst); echo "${i} $?"`,
        );
      }
    }
    const out = ws.script(lines);
    const codes = out.trim().split('\n').filter((l) => /^\d+ \d+$/.test(l));
    assert.equal(codes.length, n);
    for (const line of codes) {
      const [i, code] = line.split(' ').map(Number);
      const seed = baseSeed() + i;
      const input = ws.read(`in${i}.txt`);
      assert.equal(code, 0, `seed ${seed}: not equivalent to fstrmepsilon\n${input}`);
      // Stronger: we process states in OpenFst's order, so the results are the same FST up to float rounding.
      const ref = withoutInfinityFinals(ws.read(`ref${i}.txt`));
      assert.ok(sameText(ws.read(`ours${i}.txt`), ref), `seed ${seed}: differs from fstrmepsilon\n${input}`);
    }
  } finally {
    ws.dispose();
  }
});
