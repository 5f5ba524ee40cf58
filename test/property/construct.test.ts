// union, concat, closure, reverse, replace, topSort: identical to OpenFst's output on random inputs; topSort laws.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { closure } from '../../decoder/fst/closure.ts';
import { concat } from '../../decoder/fst/concat.ts';
import { ArcView, type Fst } from '../../decoder/fst/fst.ts';
import { Props, computeProperties } from '../../decoder/fst/properties.ts';
import { replace, type ReplaceLabeling, type ReplaceOptions } from '../../decoder/fst/replace.ts';
import { reverse } from '../../decoder/fst/reverse.ts';
import { LogSemiring, TropicalSemiring, type Semiring } from '../../decoder/fst/semiring.ts';
import { printText } from '../../decoder/fst/text-format.ts';
import { topSort } from '../../decoder/fst/top-sort.ts';
import { union } from '../../decoder/fst/union.ts';
import { VectorFst } from '../../decoder/fst/vector-fst.ts';
import { randomFst } from '../support/random-fst.ts';
import { Rng, baseSeed } from '../support/random.ts';
import { OpenFstWorkspace, openFstSkipReason, run, withoutInfinityFinals } from '../support/openfst.ts';

const skip = openFstSkipReason();
const CASES = 200;

// OpenFst's binary VectorFst format (fst.h FstHeader, vector-fst.h WriteFst), so that inputs need no fstcompile
// and outputs no fstprint: one process per operation keeps 200 cases per algorithm fast.
const FST_MAGIC = 2125659606;
const K_EXPANDED_MUTABLE = 3n;

/**
 * Serialises `fst` as an OpenFst VectorFst file. Our property bits sit in OpenFst's order 16 bits lower, so the
 * header states exactly what we know about `fst` (union's initial-acyclic test reads that knowledge).
 */
function toOpenFst(fst: Fst): Buffer {
  const arcType = fst.semiring === LogSemiring ? 'log' : 'standard';
  const n = fst.numStates();
  let m = 0;
  for (let s = 0; s < n; s++) m += fst.numArcs(s);
  const buf = Buffer.alloc(4 + 4 + 6 + 4 + arcType.length + 4 + 4 + 8 * 4 + n * 12 + m * 16);
  let o = buf.writeInt32LE(FST_MAGIC, 0);
  o = buf.writeInt32LE(6, o);
  o += buf.write('vector', o, 'latin1');
  o = buf.writeInt32LE(arcType.length, o);
  o += buf.write(arcType, o, 'latin1');
  o = buf.writeInt32LE(2, o); // file version
  o = buf.writeInt32LE(0, o); // flags: no symbol tables
  o = buf.writeBigUInt64LE((BigInt(fst.properties(-1, false)) << 16n) | K_EXPANDED_MUTABLE, o);
  o = buf.writeBigInt64LE(BigInt(fst.start()), o);
  o = buf.writeBigInt64LE(BigInt(n), o);
  o = buf.writeBigInt64LE(BigInt(m), o);
  const v = new ArcView();
  for (let s = 0; s < n; s++) {
    o = buf.writeFloatLE(fst.final(s), o);
    fst.arcs(s, v);
    o = buf.writeBigInt64LE(BigInt(v.end - v.begin), o);
    for (let a = v.begin; a < v.end; a++) {
      o = buf.writeInt32LE(v.ilabel[a], o);
      o = buf.writeInt32LE(v.olabel[a], o);
      o = buf.writeFloatLE(v.weight[a], o);
      o = buf.writeInt32LE(v.nextstate[a], o);
    }
  }
  return buf;
}

/** Reads an OpenFst VectorFst file (without symbol tables) written by an OpenFst tool. */
function fromOpenFst(buf: Buffer, semiring: Semiring): VectorFst {
  assert.equal(buf.readInt32LE(0), FST_MAGIC, 'OpenFst magic');
  let o = 4;
  const str = (): string => {
    const len = buf.readInt32LE(o);
    o += 4;
    const s = buf.toString('latin1', o, o + len);
    o += len;
    return s;
  };
  assert.equal(str(), 'vector');
  str();
  o += 4;
  assert.equal(buf.readInt32LE(o) & 3, 0, 'no symbol tables');
  o += 4 + 8;
  const start = Number(buf.readBigInt64LE(o));
  const n = Number(buf.readBigInt64LE(o + 8));
  o += 24;
  const f = new VectorFst(semiring);
  f.addStates(n);
  for (let s = 0; s < n; s++) {
    f.setFinal(s, buf.readFloatLE(o));
    const k = Number(buf.readBigInt64LE(o + 4));
    o += 12;
    for (let i = 0; i < k; i++, o += 16) {
      f.addArc(s, buf.readInt32LE(o), buf.readInt32LE(o + 4), buf.readFloatLE(o + 8), buf.readInt32LE(o + 12));
    }
  }
  if (start >= 0) f.setStart(start);
  return f;
}

/** Renumbers the states of `fst` by a random permutation (the start too), so acyclic inputs are not top-sorted. */
function permuteStates(fst: VectorFst, rng: Rng): VectorFst {
  const n = fst.numStates();
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const out = new VectorFst(fst.semiring);
  out.addStates(n);
  const inv = new Array<number>(n);
  for (let s = 0; s < n; s++) inv[perm[s]] = s;
  const v = new ArcView();
  for (let t = 0; t < n; t++) {
    const s = inv[t];
    out.setFinal(t, fst.final(s));
    fst.arcs(s, v);
    for (let a = v.begin; a < v.end; a++) out.addArc(t, v.ilabel[a], v.olabel[a], v.weight[a], perm[v.nextstate[a]]);
  }
  if (fst.start() >= 0) out.setStart(perm[fst.start()]);
  return out;
}

/** A random FST for case i: both semirings, acceptors and transducers, cyclic or not, often not top-sorted. */
function caseFst(seed: number, i: number): VectorFst {
  const f = randomFst(seed, {
    semiring: i % 3 === 0 ? LogSemiring : TropicalSemiring,
    acceptor: i % 4 === 0,
    cyclic: i % 2 === 0,
    maxStates: 7,
  });
  return i % 5 < 3 ? permuteStates(f, new Rng(seed ^ 0x5bd1e995)) : f;
}

/**
 * Runs one shell loop over all cases (one OpenFst process per case) and compares each output with ours.
 * `prepare` writes the inputs of case i and returns the shell command producing `out<i>.fst`, plus our result.
 */
function compareWithOpenFst(name: string, prepare: (ws: OpenFstWorkspace, i: number, seed: number) => { cmd: string; ours: Fst }): void {
  const ws = new OpenFstWorkspace();
  try {
    const ours: Fst[] = [];
    const lines: string[] = ['set -e'];
    for (let i = 0; i < CASES; i++) {
      const { cmd, ours: f } = prepare(ws, i, baseSeed() + i);
      ours.push(f);
      lines.push(`${cmd} out${i}.fst`);
    }
    ws.script(lines);
    for (let i = 0; i < CASES; i++) {
      const ref = fromOpenFst(readFileSync(ws.path(`out${i}.fst`)), ours[i].semiring);
      assert.equal(printText(ours[i]), printText(ref), `${name}: seed ${baseSeed() + i}`);
      // Every property bit the algorithm recorded is true of the result.
      const known = ours[i].properties(-1, false);
      assert.equal(known & computeProperties(ours[i]), known, `${name}: seed ${baseSeed() + i}: wrong property bits`);
    }
  } finally {
    ws.dispose();
  }
}

function put(ws: OpenFstWorkspace, name: string, fst: Fst): string {
  writeFileSync(ws.path(name), toOpenFst(fst));
  return name;
}

test('the OpenFst binary writer and reader round-trip through fstprint', { skip }, () => {
  const ws = new OpenFstWorkspace();
  try {
    for (let i = 0; i < 6; i++) {
      const f = caseFst(baseSeed() + i, i);
      put(ws, 'a.fst', f);
      const printed = withoutInfinityFinals(run('fstprint', [ws.path('a.fst')]));
      assert.equal(printed, printText(f), `seed ${baseSeed() + i}`);
      assert.equal(printText(fromOpenFst(readFileSync(ws.path('a.fst')), f.semiring)), printText(f));
    }
  } finally {
    ws.dispose();
  }
});

test('union is identical to fstunion, with and without a known initial-acyclic first FST', { skip }, () => {
  compareWithOpenFst('union', (ws, i, seed) => {
    const a = i % 50 === 7 ? new VectorFst(i % 3 === 0 ? LogSemiring : TropicalSemiring) : caseFst(seed, i);
    const b = i % 50 === 9 ? new VectorFst(a.semiring) : caseFst(seed + 7919, i);
    // Half the cases know fst1's properties (both sides then read the same bits), half know nothing.
    if (i % 4 < 2) a.properties(-1, true);
    const cmd = `fstunion ${put(ws, `a${i}.fst`, a)} ${put(ws, `b${i}.fst`, b)}`;
    union(a, b);
    return { cmd, ours: a };
  });
});

test('concat is identical to fstconcat', { skip }, () => {
  compareWithOpenFst('concat', (ws, i, seed) => {
    const a = i % 50 === 7 ? new VectorFst(i % 3 === 0 ? LogSemiring : TropicalSemiring) : caseFst(seed, i);
    const b = i % 50 === 9 ? new VectorFst(a.semiring) : caseFst(seed + 7919, i);
    const cmd = `fstconcat ${put(ws, `a${i}.fst`, a)} ${put(ws, `b${i}.fst`, b)}`;
    concat(a, b);
    return { cmd, ours: a };
  });
});

test('closure star and plus are identical to fstclosure', { skip }, () => {
  compareWithOpenFst('closure', (ws, i, seed) => {
    const a = i % 50 === 7 ? new VectorFst(i % 3 === 0 ? LogSemiring : TropicalSemiring) : caseFst(seed, i);
    const plus = i % 2 === 1;
    const cmd = `fstclosure --closure_plus=${plus} ${put(ws, `a${i}.fst`, a)}`;
    closure(a, plus ? 'plus' : 'star');
    return { cmd, ours: a };
  });
});

test('reverse is identical to fstreverse, with and without a required superinitial state', { skip }, () => {
  compareWithOpenFst('reverse', (ws, i, seed) => {
    const a = i % 50 === 7 ? new VectorFst(i % 3 === 0 ? LogSemiring : TropicalSemiring) : caseFst(seed, i);
    const requireSuperinitial = i % 2 === 0;
    const cmd = `fstreverse --require_superinitial=${requireSuperinitial} ${put(ws, `a${i}.fst`, a)}`;
    return { cmd, ours: reverse(a, { requireSuperinitial }) };
  });
});

test('topSort is identical to fsttopsort on acyclic and cyclic inputs', { skip }, () => {
  compareWithOpenFst('topsort', (ws, i, seed) => {
    const a = caseFst(seed, i + 1);
    const cmd = `fsttopsort ${put(ws, `a${i}.fst`, a)}`;
    topSort(a);
    return { cmd, ours: a };
  });
});

const LABELINGS: ReplaceLabeling[] = ['input', 'output', 'both', 'neither'];

/** 2–4 rules labelled 100, 101, …; rule j calls only rules after it (no cycles); root 100. */
function randomRules(seed: number, i: number): [number, VectorFst][] {
  const rng = new Rng(seed);
  const k = rng.int(2, 4);
  const rules: [number, VectorFst][] = [];
  for (let j = 0; j < k; j++) {
    const f = randomFst(seed * 7 + j, {
      semiring: i % 3 === 0 ? LogSemiring : TropicalSemiring,
      acceptor: i % 4 === 0,
      cyclic: rng.bool(0.5),
      maxStates: 4,
    });
    if (j > 0 && rng.bool(0.05)) f.deleteAllStates();
    const v = new ArcView();
    for (let s = 0; s < f.numStates(); s++) {
      f.arcs(s, v);
      for (let a = v.begin, q = 0; a < v.end; a++, q++) {
        if (j < k - 1 && rng.bool(0.35)) {
          const callee = 100 + rng.int(j + 1, k - 1);
          f.setArc(s, q, rng.bool(0.5) ? callee : v.ilabel[a], callee, v.weight[a], v.nextstate[a]);
        }
      }
    }
    rules.push([100 + j, f]);
  }
  return rules;
}

test('replace is identical to fstreplace on random acyclic rule sets and label options', { skip }, () => {
  compareWithOpenFst('replace', (ws, i, seed) => {
    const rules = randomRules(seed, i);
    const rng = new Rng(seed + 1);
    const opts: ReplaceOptions = {
      callArcLabeling: rng.pick(LABELINGS),
      returnArcLabeling: rng.pick(LABELINGS),
      returnLabel: rng.bool(0.5) ? 0 : 50,
      epsilonOnReplace: rng.bool(0.2),
    };
    const args = rules.map(([label, f], j) => `${put(ws, `r${i}_${j}.fst`, f)} ${label}`).join(' ');
    const cmd =
      `fstreplace --call_arc_labeling=${opts.callArcLabeling} --return_arc_labeling=${opts.returnArcLabeling} ` +
      `--return_label=${opts.returnLabel} --epsilon_on_replace=${opts.epsilonOnReplace} ${args}`;
    return { cmd, ours: replace(100, rules, opts) };
  });
});

/**
 * True when b is a renumbering of a that keeps each state's arcs in order: states paired breadth-first from the
 * starts, arcs compared position by position (fstisomorphic's test, stricter about arc order).
 */
function sameUpToRenumbering(a: Fst, b: Fst): boolean {
  if (a.numStates() !== b.numStates() || (a.start() < 0) !== (b.start() < 0)) return false;
  if (a.start() < 0) return true;
  const pair = new Map<number, number>([[a.start(), b.start()]]);
  const queue = [a.start()];
  const va = new ArcView();
  const vb = new ArcView();
  while (queue.length > 0) {
    const s = queue.shift() as number;
    const t = pair.get(s) as number;
    if (a.final(s) !== b.final(t) || a.numArcs(s) !== b.numArcs(t)) return false;
    a.arcs(s, va);
    b.arcs(t, vb);
    for (let k = 0; k < va.end - va.begin; k++) {
      const x = va.begin + k;
      const y = vb.begin + k;
      if (va.ilabel[x] !== vb.ilabel[y] || va.olabel[x] !== vb.olabel[y] || va.weight[x] !== vb.weight[y]) return false;
      const paired = pair.get(va.nextstate[x]);
      if (paired === undefined) {
        pair.set(va.nextstate[x], vb.nextstate[y]);
        queue.push(va.nextstate[x]);
      } else if (paired !== vb.nextstate[y]) {
        return false;
      }
    }
  }
  return true;
}

test('topSort succeeds exactly on acyclic FSTs, giving a TOP_SORTED renumbering of the input', () => {
  for (let i = 0; i < 300; i++) {
    const seed = baseSeed() + i;
    const f = caseFst(seed, i);
    const acyclic = (computeProperties(f) & Props.ACYCLIC) !== 0;
    const g = VectorFst.from(f);
    assert.equal(topSort(g), acyclic, `seed ${seed}`);
    assert.ok(sameUpToRenumbering(f, g), `seed ${seed}`);
    const p = computeProperties(g);
    assert.equal((p & Props.TOP_SORTED) !== 0, acyclic, `seed ${seed}`);
    if (!acyclic) assert.equal(printText(g), printText(f), `seed ${seed}`);
    // The recorded bits agree with a fresh computation.
    const known = g.properties(-1, false);
    assert.equal(known & p, known, `seed ${seed}`);
  }
});
