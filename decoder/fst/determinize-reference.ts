// Plain reference twin of determinize (Maps, arrays and string keys), for differential tests only.

import { FstError } from './errors.ts';
import { NO_STATE, arcsOf, type Fst } from './fst.ts';
import { quantizeFloat } from './float-weight.ts';
import { Props } from './properties.ts';
import { DEFAULT_DELTA } from './semiring.ts';
import type { DeterminizeOptions } from './determinize.ts';
import { VectorFst } from './vector-fst.ts';

interface Element {
  state: number;
  out: number[];
  weight: number;
}

/**
 * The same construction as `determinize`, written for clarity: subsets are arrays of objects keyed by a
 * string in a Map. Produces the same states in the same order, so results can be compared exactly.
 * Cost: like `determinize`, with much larger constants.
 */
export function determinizeReference(fst: Fst, opts: DeterminizeOptions = {}): VectorFst {
  const delta = opts.delta ?? DEFAULT_DELTA;
  const maxStates = opts.maxStates ?? Infinity;
  const sr = fst.semiring;
  const acceptor = (fst.properties(Props.ACCEPTOR, true) & Props.ACCEPTOR) !== 0;
  const out = new VectorFst(sr);
  out.isymbols = fst.isymbols;
  out.osymbols = fst.osymbols;
  const start = fst.start();
  if (start === NO_STATE) return out;

  const addState = (): number => {
    if (out.numStates() >= maxStates) throw new FstError('FST_LIMIT', 'too many states');
    return out.addState();
  };
  const nonFunctional = (): never => {
    throw new FstError('FST_NONFUNCTIONAL', 'not functional');
  };
  const subsets: Element[][] = [];
  const outOf: number[] = [];
  const finalOut: (number[] | undefined)[] = [];
  const finalW: number[] = [];
  const ids = new Map<string, number>();
  const keyOf = (sub: Element[]) => sub.map((e) => `${e.state}/${e.out.join('.')}/${Math.fround(e.weight)}`).join(' ');

  const find = (sub: Element[]): number => {
    const key = keyOf(sub);
    const known = ids.get(key);
    if (known !== undefined) return outOf[known];
    const d = subsets.length;
    const o = addState();
    ids.set(key, d);
    subsets.push(sub);
    outOf.push(o);
    let fw = sr.zero;
    let fout: number[] | undefined;
    for (const e of sub) {
      const f = fst.final(e.state);
      if (f === sr.zero) continue;
      fw = Math.fround(sr.plus(fw, Math.fround(e.weight + f)));
      if (!acceptor) {
        if (fout === undefined) fout = e.out;
        else if (fout.join('.') !== e.out.join('.')) nonFunctional();
      }
    }
    finalOut.push(undefined);
    finalW.push(sr.zero);
    if (fw !== sr.zero) {
      if (acceptor || (fout !== undefined && fout.length === 0)) out.setFinal(o, fw);
      else {
        finalOut[d] = fout;
        finalW[d] = fw;
      }
    }
    return o;
  };

  let superfinal = NO_STATE;
  const superFinalState = (): number => {
    if (superfinal === NO_STATE) {
      superfinal = addState();
      out.setFinal(superfinal, sr.one);
    }
    return superfinal;
  };
  const chains = new Map<string, number>();
  const chainState = (r: number[]): number => {
    if (r.length === 0) return superFinalState();
    const known = chains.get(r.join('.'));
    if (known !== undefined) return known;
    const created: number[][] = [];
    let t = r;
    while (t.length > 0 && !chains.has(t.join('.'))) {
      chains.set(t.join('.'), addState());
      created.push(t);
      t = t.slice(1);
    }
    for (const c of created) {
      const rest = c.slice(1);
      const dest = rest.length === 0 ? superFinalState() : (chains.get(rest.join('.')) as number);
      out.addArc(chains.get(c.join('.')) as number, 0, c[0], sr.one, dest);
    }
    return chains.get(r.join('.')) as number;
  };

  out.setStart(find([{ state: start, out: [], weight: sr.one }]));
  for (let d = 0; d < subsets.length; d++) {
    const byLabel = new Map<number, Element[]>();
    for (const e of subsets[d]) {
      for (const arc of arcsOf(fst, e.state)) {
        const w = Math.fround(e.weight + arc.weight);
        if (w === Infinity) continue;
        const list = byLabel.get(arc.ilabel) ?? [];
        list.push({ state: arc.nextstate, out: acceptor || arc.olabel === 0 ? e.out : [...e.out, arc.olabel], weight: w });
        byLabel.set(arc.ilabel, list);
      }
    }
    const arcs: [number, number, number, number][] = [];
    for (const label of [...byLabel.keys()].sort((a, b) => a - b)) {
      const merged = new Map<number, Element>();
      for (const c of (byLabel.get(label) as Element[]).reverse()) {
        const m = merged.get(c.state);
        if (m === undefined) merged.set(c.state, { ...c });
        else {
          if (m.out.join('.') !== c.out.join('.')) nonFunctional();
          m.weight = Math.fround(sr.plus(m.weight, c.weight));
        }
      }
      const sub = [...merged.values()].sort((a, b) => a.state - b.state);
      let dw = sr.zero;
      for (const e of sub) dw = Math.fround(sr.plus(dw, e.weight));
      let outLabel = label;
      if (!acceptor) {
        const firsts = new Set(sub.map((e) => (e.out.length > 0 ? e.out[0] : 0)));
        outLabel = firsts.size === 1 && !firsts.has(0) ? sub[0].out[0] : 0;
      }
      const residual = sub.map((e) => ({
        state: e.state,
        out: !acceptor && outLabel !== 0 ? e.out.slice(1) : e.out,
        weight: quantizeFloat(Math.fround(e.weight - dw), delta),
      }));
      arcs.push([label, outLabel, dw, find(residual)]);
    }
    const fo = finalOut[d];
    if (fo !== undefined) arcs.push([0, fo[0], finalW[d], chainState(fo.slice(1))]);
    for (const [il, ol, w, t] of arcs) out.addArc(outOf[d], il, ol, w, t);
  }
  return out;
}
