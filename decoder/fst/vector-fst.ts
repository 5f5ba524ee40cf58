// VectorFst: the mutable FST, with all arcs in one arena of typed arrays (16 bytes an arc, 16 bytes a state).

import { FstError } from './errors.ts';
import { ArcView, NO_STATE, type Label, type MutableFst, type StateId, type Weight, type Fst } from './fst.ts';
import { allKnown, computeProperties, pairMask } from './properties.ts';
import { TropicalSemiring, type Semiring } from './semiring.ts';
import type { SymbolTable } from './symbol-table.ts';

/**
 * A mutable FST. Each state owns a block [first, first + capacity) of a shared arc arena; a state that
 * outgrows its block moves to the arena's end (its old block becomes garbage, compacted when garbage exceeds
 * half the arena). A state whose block already ends the arena grows in place by one slot, so algorithms that
 * expand states one at a time lay their arcs out contiguously with no waste.
 * Property bits are cached; any mutation clears them unless the mutator's caller sets them again.
 */
export class VectorFst implements MutableFst {
  readonly semiring: Semiring;
  isymbols: SymbolTable | undefined;
  osymbols: SymbolTable | undefined;

  private startState: StateId = NO_STATE;
  private nStates = 0;
  private finals = new Float32Array(8);
  private first = new Int32Array(8);
  private count = new Int32Array(8);
  private cap = new Int32Array(8);

  private il = new Int32Array(16);
  private ol = new Int32Array(16);
  private ns = new Int32Array(16);
  private w = new Float32Array(16);
  private poolSize = 0;
  private garbage = 0;
  private props = 0;

  constructor(semiring: Semiring = TropicalSemiring) {
    this.semiring = semiring;
  }

  /** A deep copy of any FST (symbol tables are shared, not copied). O(V + E). */
  static from(fst: Fst): VectorFst {
    const out = new VectorFst(fst.semiring);
    out.isymbols = fst.isymbols;
    out.osymbols = fst.osymbols;
    const n = fst.numStates();
    out.reserveStates(n);
    out.addStates(n);
    const view = new ArcView();
    for (let s = 0; s < n; s++) {
      out.setFinal(s, fst.final(s));
      fst.arcs(s, view);
      const k = view.end - view.begin;
      out.reserveArcs(s, k);
      for (let a = view.begin; a < view.end; a++) {
        out.addArc(s, view.ilabel[a], view.olabel[a], view.weight[a], view.nextstate[a]);
      }
    }
    out.setStart(fst.start());
    out.props = fst.properties(-1, false);
    return out;
  }

  start(): StateId {
    return this.startState;
  }

  numStates(): number {
    return this.nStates;
  }

  final(s: StateId): Weight {
    return this.finals[s];
  }

  numArcs(s: StateId): number {
    return this.count[s];
  }

  arcs(s: StateId, view: ArcView): ArcView {
    view.ilabel = this.il;
    view.olabel = this.ol;
    view.nextstate = this.ns;
    view.weight = this.w;
    const f = this.first[s];
    view.begin = f;
    view.end = f + this.count[s];
    return view;
  }

  properties(mask: number, compute = false): number {
    if (compute && !allKnown(this.props, mask)) this.props = computeProperties(this);
    return this.props & pairMask(mask);
  }

  setProperties(bits: number, mask: number): void {
    const pm = pairMask(mask);
    this.props = (this.props & ~pm) | (bits & pm);
  }

  reserveStates(n: number): void {
    if (n > this.finals.length) this.growStates(n);
  }

  reserveArcs(s: StateId, n: number): void {
    if (this.cap[s] >= n) return;
    this.relocate(s, n);
  }

  addState(): StateId {
    const s = this.nStates;
    if (s === this.finals.length) this.growStates(s * 2);
    this.finals[s] = Infinity;
    this.first[s] = this.poolSize;
    this.count[s] = 0;
    this.cap[s] = 0;
    this.nStates = s + 1;
    this.props = 0;
    return s;
  }

  addStates(n: number): StateId {
    const s0 = this.nStates;
    if (s0 + n > this.finals.length) this.growStates(Math.max(s0 + n, s0 * 2));
    this.finals.fill(Infinity, s0, s0 + n);
    this.first.fill(this.poolSize, s0, s0 + n);
    this.count.fill(0, s0, s0 + n);
    this.cap.fill(0, s0, s0 + n);
    this.nStates = s0 + n;
    this.props = 0;
    return s0;
  }

  setStart(s: StateId): void {
    if (s !== NO_STATE && (s < 0 || s >= this.nStates)) {
      throw new FstError('FST_ARGUMENT', `start state ${s} out of range`, { state: s });
    }
    this.startState = s;
    this.props = 0;
  }

  setFinal(s: StateId, w: Weight): void {
    this.finals[s] = w;
    this.props = 0;
  }

  addArc(s: StateId, ilabel: Label, olabel: Label, weight: Weight, nextstate: StateId): void {
    let c = this.count[s];
    if (c === this.cap[s]) {
      if (this.first[s] + c === this.poolSize && (c > 0 || this.first[s] === this.poolSize)) {
        // The block ends the arena: grow it in place.
        if (this.poolSize === this.il.length) this.growPool(this.poolSize + 1);
        this.first[s] = this.poolSize - c;
        this.cap[s] = c + 1;
        this.poolSize++;
      } else {
        this.relocate(s, Math.max(4, c * 2));
      }
      c = this.count[s];
    }
    const i = this.first[s] + c;
    this.il[i] = ilabel;
    this.ol[i] = olabel;
    this.w[i] = weight;
    this.ns[i] = nextstate;
    this.count[s] = c + 1;
    this.props = 0;
  }

  setArc(s: StateId, k: number, ilabel: Label, olabel: Label, weight: Weight, nextstate: StateId): void {
    const i = this.first[s] + k;
    this.il[i] = ilabel;
    this.ol[i] = olabel;
    this.w[i] = weight;
    this.ns[i] = nextstate;
    this.props = 0;
  }

  deleteArcs(s: StateId): void {
    this.count[s] = 0;
    this.props = 0;
  }

  deleteAllStates(): void {
    this.nStates = 0;
    this.poolSize = 0;
    this.garbage = 0;
    this.startState = NO_STATE;
    this.props = 0;
  }

  deleteStates(dead: Uint8Array): void {
    const n = this.nStates;
    const map = new Int32Array(n);
    let m = 0;
    for (let s = 0; s < n; s++) map[s] = dead[s] ? -1 : m++;
    const il = new Int32Array(Math.max(16, this.poolSize - this.garbage));
    const ol = new Int32Array(il.length);
    const ns = new Int32Array(il.length);
    const w = new Float32Array(il.length);
    let p = 0;
    for (let s = 0; s < n; s++) {
      const t = map[s];
      if (t < 0) continue;
      const f = this.first[s];
      const e = f + this.count[s];
      const p0 = p;
      for (let i = f; i < e; i++) {
        const nt = map[this.ns[i]];
        if (nt < 0) continue;
        il[p] = this.il[i];
        ol[p] = this.ol[i];
        w[p] = this.w[i];
        ns[p] = nt;
        p++;
      }
      this.finals[t] = this.finals[s];
      this.first[t] = p0;
      this.count[t] = p - p0;
      this.cap[t] = p - p0;
    }
    this.il = il;
    this.ol = ol;
    this.ns = ns;
    this.w = w;
    this.poolSize = p;
    this.garbage = 0;
    this.nStates = m;
    const st = this.startState;
    this.startState = st >= 0 ? map[st] : NO_STATE;
    this.props = 0;
  }

  private growStates(n: number): void {
    const used = this.nStates;
    this.finals = resized(this.finals, Float32Array, n, used);
    this.first = resized(this.first, Int32Array, n, used);
    this.count = resized(this.count, Int32Array, n, used);
    this.cap = resized(this.cap, Int32Array, n, used);
  }

  private growPool(min: number): void {
    const n = Math.max(min, this.il.length * 2);
    const used = this.poolSize;
    this.il = resized(this.il, Int32Array, n, used);
    this.ol = resized(this.ol, Int32Array, n, used);
    this.ns = resized(this.ns, Int32Array, n, used);
    this.w = resized(this.w, Float32Array, n, used);
  }

  /** Moves the arcs of s to a fresh block of `newCap` slots at the arena's end. */
  private relocate(s: StateId, newCap: number): void {
    if (this.garbage > 1024 && this.garbage * 2 > this.poolSize) this.compact();
    const f = this.first[s];
    const c = this.count[s];
    if (this.poolSize + newCap > this.il.length) this.growPool(this.poolSize + newCap);
    const dst = this.poolSize;
    this.il.copyWithin(dst, f, f + c);
    this.ol.copyWithin(dst, f, f + c);
    this.ns.copyWithin(dst, f, f + c);
    this.w.copyWithin(dst, f, f + c);
    this.garbage += this.cap[s];
    this.first[s] = dst;
    this.cap[s] = newCap;
    this.poolSize += newCap;
  }

  /** Rewrites the arena in state order, dropping garbage and spare capacity. O(E). */
  private compact(): void {
    const n = this.nStates;
    let total = 0;
    for (let s = 0; s < n; s++) total += this.count[s];
    const size = Math.max(16, total * 2);
    const il = new Int32Array(size);
    const ol = new Int32Array(size);
    const ns = new Int32Array(size);
    const w = new Float32Array(size);
    let p = 0;
    for (let s = 0; s < n; s++) {
      const f = this.first[s];
      const c = this.count[s];
      il.set(this.il.subarray(f, f + c), p);
      ol.set(this.ol.subarray(f, f + c), p);
      ns.set(this.ns.subarray(f, f + c), p);
      w.set(this.w.subarray(f, f + c), p);
      this.first[s] = p;
      this.cap[s] = c;
      p += c;
    }
    this.il = il;
    this.ol = ol;
    this.ns = ns;
    this.w = w;
    this.poolSize = p;
    this.garbage = 0;
  }
}

/** A new array of length `n` holding the first `used` entries of `a` (the rest zero). */
function resized<T extends Int32Array | Float32Array>(a: T, ctor: new (k: number) => T, n: number, used: number): T {
  const b = new ctor(n);
  b.set(a.subarray(0, used));
  return b;
}
