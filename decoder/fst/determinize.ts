// Determinize: weighted subset construction for acceptors and functional transducers (OpenFst's Determinize).

import { FstError } from './errors.ts';
import { ArcView, NO_STATE, type Fst } from './fst.ts';
import { quantizeFloat } from './float-weight.ts';
import { EMPTY_STRING, LabelStrings, ZERO_STRING } from './label-strings.ts';
import { Props } from './properties.ts';
import { DEFAULT_DELTA, type Semiring } from './semiring.ts';
import { VectorFst } from './vector-fst.ts';

export interface DeterminizeOptions {
  /**
   * Quantisation step of the residual weights that identify a subset, in cost units. Larger → fewer states,
   * less exact weights. Default 1/1024 (OpenFst's kDelta, fstdeterminize's --delta).
   */
  delta?: number;
  /**
   * Limit on the number of states of the result; exceeding it throws FST_LIMIT. Guards against inputs that
   * are not determinizable (weighted cycles without the twins property, non-sequential transducers), on which
   * the construction would not terminate. Default: no limit.
   */
  maxStates?: number;
}

/** Input labels at or above this are rejected (the label tables are dense arrays). */
const MAX_LABEL = 1 << 26;

/**
 * Determinizes an FST, as `fstdeterminize` (OpenFst's Determinize with DETERMINIZE_FUNCTIONAL):
 *
 * - Acceptors: weighted subset construction. A result state is a subset of (input state, residual weight)
 *   pairs sorted by state; the arc for label a carries the ⊕ of the candidate weights, and the residuals,
 *   divided by it, are quantized by `delta` so that subsets reached by weights equal within delta coincide.
 * - Transducers (must be functional): the same construction over (state, residual output string, residual
 *   weight) — OpenFst's Gallic determinization. An arc emits the first output label common to all residual
 *   strings (or epsilon). A final residual string of length k ≥ 1 becomes a chain of k epsilon-input arcs
 *   ending in one shared super-final state (OpenFst's FactorWeightFst and FromGallicMapper, subsequential
 *   label 0), so the result is isomorphic to fstdeterminize's.
 *
 * Epsilon input labels are ordinary symbols here, as in OpenFst (run epsilon removal first for the usual
 * epsilon semantics). Arcs of weight zero are ignored. States are numbered in breadth-first order of
 * discovery; arcs of a state are in increasing input label order (final-output arcs last).
 * Preserves the weighted relation (over input strings in which epsilon counts as a letter).
 *
 * Errors: FST_NONFUNCTIONAL when two paths with the same input reach one state, or end, with different
 * residual outputs (the transducer is not functional); FST_LIMIT beyond `maxStates`; FST_ARGUMENT for bad
 * options or input labels ≥ 2^26.
 * Cost: O(output arcs × subset size) time, exponential in the worst case and unbounded on inputs that are not
 * determinizable; memory O(total size of all subsets) (12 bytes an element, 16 for transducers) plus the result.
 */
export function determinize(fst: Fst, opts: DeterminizeOptions = {}): VectorFst {
  const delta = opts.delta ?? DEFAULT_DELTA;
  if (!(delta > 0 && Number.isFinite(delta))) {
    throw new FstError('FST_ARGUMENT', `delta must be a positive number, got ${delta}`, { delta });
  }
  const maxStates = opts.maxStates ?? Infinity;
  if (!(maxStates >= 1)) {
    throw new FstError('FST_ARGUMENT', `maxStates must be at least 1, got ${maxStates}`, { maxStates });
  }
  const acceptor = (fst.properties(Props.ACCEPTOR, true) & Props.ACCEPTOR) !== 0;
  return new Determinizer(fst, acceptor, delta, maxStates).run();
}

function growI32(a: Int32Array, min: number, fill?: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(min, a.length * 2));
  b.set(a);
  if (fill !== undefined) b.fill(fill, a.length);
  return b;
}

function growF32(a: Float32Array, min: number): Float32Array<ArrayBuffer> {
  const b = new Float32Array(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}

function mixHash(h: number, x: number): number {
  let k = Math.imul(x, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finishHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The subset construction. Subsets live in one arena of typed arrays (state, residual string id, residual
 * weight), appended in creation order so that subStart[d] … subStart[d + 1] - 1 is subset d; an open-addressing
 * table of subset ids keyed by a hash of the elements finds existing subsets. Per expanded state the candidates
 * are bucketed by label with dense per-label counters, merged per input state with a stamped slot array, and
 * sorted; no object is allocated per arc or per element.
 */
class Determinizer {
  private readonly fst: Fst;
  private readonly sr: Semiring;
  private readonly acceptor: boolean;
  private readonly delta: number;
  private readonly maxStates: number;
  private readonly out: VectorFst;
  private readonly view = new ArcView();
  private readonly strings: LabelStrings;

  // Subset arena and table.
  private eState = new Int32Array(1024);
  private eStr = new Int32Array(0);
  private eW = new Float32Array(1024);
  private eWBits = new Int32Array(this.eW.buffer);
  private arenaSize = 0;
  private subStart = new Int32Array(256);
  private subHash = new Int32Array(256);
  private detOut = new Int32Array(256);
  private finalStr = new Int32Array(0);
  private finalW = new Float32Array(0);
  private numDet = 0;
  private table = new Int32Array(1024).fill(-1);

  // Final-output chains (transducers): out state of the chain spelling string id R; the super-final state.
  private chainOf = new Int32Array(0);
  private superfinal = NO_STATE;
  private chainScratch: number[] = [];

  // Candidates of the state being expanded.
  private cLabel = new Int32Array(256);
  private cState = new Int32Array(256);
  private cStr = new Int32Array(256);
  private cW = new Float32Array(256);
  private order = new Int32Array(256);

  // Per-label buckets (dense over labels).
  private labelStamp = new Int32Array(64).fill(-1);
  private labelPos = new Int32Array(64);
  private usedLabels = new Int32Array(64);
  private labelEpoch = 0;

  // Per-input-state merge slots.
  private stateStamp: Int32Array;
  private stateSlot: Int32Array;
  private stateEpoch = 0;
  private mStr = new Int32Array(64);
  private mW = new Float32Array(64);

  // The candidate subset being looked up.
  private sState = new Int32Array(64);
  private sStr = new Int32Array(64);
  private sW = new Float32Array(64);
  private sWBits = new Int32Array(this.sW.buffer);

  // Arcs of the state being expanded.
  private aLabel = new Int32Array(64);
  private aOut = new Int32Array(64);
  private aW = new Float32Array(64);
  private aDest = new Int32Array(64);

  constructor(fst: Fst, acceptor: boolean, delta: number, maxStates: number) {
    this.fst = fst;
    this.sr = fst.semiring;
    this.acceptor = acceptor;
    this.delta = delta;
    this.maxStates = maxStates;
    this.out = new VectorFst(fst.semiring);
    this.out.isymbols = fst.isymbols;
    this.out.osymbols = fst.osymbols;
    const n = fst.numStates();
    this.stateStamp = new Int32Array(n).fill(-1);
    this.stateSlot = new Int32Array(n);
    this.strings = new LabelStrings();
    if (!acceptor) {
      this.eStr = new Int32Array(1024);
      this.finalStr = new Int32Array(256);
      this.finalW = new Float32Array(256);
      this.chainOf = new Int32Array(64).fill(-1);
    }
  }

  run(): VectorFst {
    const start = this.fst.start();
    if (start === NO_STATE) return this.out;
    this.sState[0] = start;
    this.sStr[0] = EMPTY_STRING;
    this.sW[0] = this.sr.one;
    this.out.setStart(this.findSubset(1));
    for (let d = 0; d < this.numDet; d++) this.expand(d);
    let bits = Props.ACCESSIBLE;
    if (this.acceptor) {
      bits |= Props.ACCEPTOR | Props.I_DETERMINISTIC | Props.O_DETERMINISTIC | Props.I_LABEL_SORTED | Props.O_LABEL_SORTED;
    } else if (this.superfinal === NO_STATE) {
      bits |= Props.I_DETERMINISTIC | Props.I_LABEL_SORTED;
    }
    this.out.setProperties(bits, bits);
    return this.out;
  }

  /** Adds a state to the result, enforcing maxStates. */
  private addOutState(): number {
    if (this.out.numStates() >= this.maxStates) {
      throw new FstError('FST_LIMIT', `determinization exceeded ${this.maxStates} states`, {
        maxStates: this.maxStates,
      });
    }
    return this.out.addState();
  }

  /**
   * Returns the result state of the candidate subset sState/sStr/sW[0 … k-1] (sorted by state, weights
   * quantized), creating it when new. Expected O(k).
   */
  private findSubset(k: number): number {
    const acceptor = this.acceptor;
    const sState = this.sState;
    const sStr = this.sStr;
    const sBits = this.sWBits;
    let h = k;
    for (let i = 0; i < k; i++) {
      h = mixHash(h, sState[i]);
      if (!acceptor) h = mixHash(h, sStr[i]);
      h = mixHash(h, sBits[i]);
    }
    h = finishHash(h) | 0;
    const table = this.table;
    const mask = table.length - 1;
    let slot = h & mask;
    for (;;) {
      const d = table[slot];
      if (d < 0) break;
      if (this.subHash[d] === h && this.sameSubset(d, k)) return this.detOut[d];
      slot = (slot + 1) & mask;
    }
    // A new subset.
    const d = this.numDet;
    const o = this.addOutState();
    if (d + 2 > this.subStart.length) {
      this.subStart = growI32(this.subStart, d + 2);
      this.subHash = growI32(this.subHash, d + 2);
      this.detOut = growI32(this.detOut, d + 2);
      if (!acceptor) {
        this.finalStr = growI32(this.finalStr, d + 2);
        this.finalW = growF32(this.finalW, d + 2);
      }
    }
    let p = this.arenaSize;
    if (p + k > this.eState.length) {
      const min = p + k;
      this.eState = growI32(this.eState, min);
      this.eW = growF32(this.eW, min);
      this.eWBits = new Int32Array(this.eW.buffer);
      if (!acceptor) this.eStr = growI32(this.eStr, min);
    }
    this.eState.set(sState.subarray(0, k), p);
    this.eW.set(this.sW.subarray(0, k), p);
    if (!acceptor) this.eStr.set(sStr.subarray(0, k), p);
    p += k;
    this.arenaSize = p;
    this.subStart[d + 1] = p;
    this.subHash[d] = h;
    this.detOut[d] = o;
    this.numDet = d + 1;
    table[slot] = d;
    if (this.numDet * 2 > table.length) this.rehash();
    this.setFinalWeight(d, o, k);
    return o;
  }

  private sameSubset(d: number, k: number): boolean {
    const b = this.subStart[d];
    if (this.subStart[d + 1] - b !== k) return false;
    const eState = this.eState;
    const eBits = this.eWBits;
    const sState = this.sState;
    const sBits = this.sWBits;
    for (let i = 0; i < k; i++) {
      if (eState[b + i] !== sState[i] || eBits[b + i] !== sBits[i]) return false;
    }
    if (!this.acceptor) {
      const eStr = this.eStr;
      const sStr = this.sStr;
      for (let i = 0; i < k; i++) if (eStr[b + i] !== sStr[i]) return false;
    }
    return true;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2).fill(-1);
    const mask = table.length - 1;
    for (let d = 0; d < this.numDet; d++) {
      let slot = this.subHash[d] & mask;
      while (table[slot] >= 0) slot = (slot + 1) & mask;
      table[slot] = d;
    }
    this.table = table;
  }

  /** Final weight of a new subset: ⊕ of residual ⊗ final; for transducers all final residual strings must agree. */
  private setFinalWeight(d: number, o: number, k: number): void {
    const sr = this.sr;
    const fst = this.fst;
    let fw = sr.zero;
    let fstr = ZERO_STRING;
    for (let i = 0; i < k; i++) {
      const f = fst.final(this.sState[i]);
      if (f === sr.zero) continue;
      fw = Math.fround(sr.plus(fw, Math.fround(this.sW[i] + f)));
      if (!this.acceptor) {
        const str = this.sStr[i];
        if (fstr === ZERO_STRING) fstr = str;
        else if (fstr !== str) this.nonFunctional(this.sState[i], fstr, str);
      }
    }
    if (!this.acceptor) this.finalStr[d] = ZERO_STRING;
    if (fw === sr.zero) return;
    if (this.acceptor || fstr === EMPTY_STRING) {
      this.out.setFinal(o, fw);
    } else {
      // The residual output must be emitted on arcs after the last input label (see chainState).
      this.finalStr[d] = fstr;
      this.finalW[d] = fw;
    }
  }

  private nonFunctional(state: number, a: number, b: number): never {
    throw new FstError(
      'FST_NONFUNCTIONAL',
      `determinize: input state ${state} is reached with residual outputs [${this.strings.toArray(a)}] and ` +
        `[${this.strings.toArray(b)}]; the transducer is not functional`,
      { state },
    );
  }

  /** Computes the arcs of subset d, creating destination subsets as needed. */
  private expand(d: number): void {
    const fst = this.fst;
    const sr = this.sr;
    const acceptor = this.acceptor;
    const view = this.view;
    const strings = this.strings;
    const b = this.subStart[d];
    const e = this.subStart[d + 1];

    // 1. Candidates (label, next state, residual string, weight), counted per label.
    if (++this.labelEpoch === 0x3fffffff) {
      this.labelStamp.fill(-1);
      this.labelEpoch = 0;
    }
    const epoch = this.labelEpoch;
    let nc = 0;
    let nu = 0;
    for (let i = b; i < e; i++) {
      const q = this.eState[i];
      const w = this.eW[i];
      const str = acceptor ? EMPTY_STRING : this.eStr[i];
      fst.arcs(q, view);
      const need = nc + view.end - view.begin;
      if (need > this.cLabel.length) this.growCandidates(need);
      const { ilabel, olabel, nextstate, weight } = view;
      const cLabel = this.cLabel;
      const cState = this.cState;
      const cW = this.cW;
      const cStr = this.cStr;
      for (let a = view.begin; a < view.end; a++) {
        const cw = Math.fround(w + weight[a]);
        if (cw === Infinity) continue;
        const il = ilabel[a];
        if (il >= this.labelStamp.length || il < 0) this.growLabels(il);
        cLabel[nc] = il;
        cState[nc] = nextstate[a];
        cW[nc] = cw;
        if (!acceptor) {
          const ol = olabel[a];
          cStr[nc] = ol === 0 ? str : strings.append(str, ol);
        }
        if (this.labelStamp[il] !== epoch) {
          this.labelStamp[il] = epoch;
          this.labelPos[il] = 0;
          if (nu === this.usedLabels.length) this.usedLabels = growI32(this.usedLabels, nu + 1);
          this.usedLabels[nu++] = il;
        }
        this.labelPos[il]++;
        nc++;
      }
    }

    // 2. Bucket the candidates by label in increasing label order; within a bucket, later candidates first
    //    (OpenFst builds each destination subset by push_front, which fixes the order of ⊕ per state).
    const used = this.usedLabels;
    if (nu > 1) sortInt32(used, nu);
    let pos = 0;
    for (let j = 0; j < nu; j++) {
      const l = used[j];
      const c = this.labelPos[l];
      this.labelPos[l] = pos;
      pos += c;
    }
    if (nc > this.order.length) this.order = growI32(this.order, nc);
    const order = this.order;
    for (let k = nc - 1; k >= 0; k--) order[this.labelPos[this.cLabel[k]]++] = k;

    // 3. One arc per label.
    let na = 0;
    if (nu + 1 > this.aLabel.length) this.growArcs(nu + 1);
    let begin = 0;
    for (let j = 0; j < nu; j++) {
      const label = used[j];
      const end = this.labelPos[label];
      const m = this.mergeBucket(begin, end);
      begin = end;
      // Sort the distinct states; their merged weights and strings stay in the slots.
      const sState = this.sState;
      if (m > 1) sortInt32(sState, m);
      let dw = sr.zero;
      for (let i = 0; i < m; i++) dw = Math.fround(sr.plus(dw, this.mW[this.stateSlot[sState[i]]]));
      let outLabel = label;
      if (!acceptor) {
        outLabel = 0;
        for (let i = 0; i < m; i++) {
          const str = this.mStr[this.stateSlot[sState[i]]];
          if (str === EMPTY_STRING) {
            outLabel = 0;
            break;
          }
          const f = strings.first(str);
          if (i === 0) outLabel = f;
          else if (f !== outLabel) {
            outLabel = 0;
            break;
          }
        }
      }
      const sW = this.sW;
      for (let i = 0; i < m; i++) {
        const slot = this.stateSlot[sState[i]];
        sW[i] = quantizeFloat(Math.fround(this.mW[slot] - dw), this.delta);
        if (!acceptor) {
          const str = this.mStr[slot];
          this.sStr[i] = outLabel !== 0 ? strings.tail(str) : str;
        }
      }
      const dest = this.findSubset(m);
      this.aLabel[na] = label;
      this.aOut[na] = outLabel;
      this.aW[na] = dw;
      this.aDest[na] = dest;
      na++;
    }

    // 4. Final residual output: an epsilon-input arc into the chain that spells it.
    if (!acceptor && this.finalStr[d] !== ZERO_STRING) {
      const fstr = this.finalStr[d];
      this.aLabel[na] = 0;
      this.aOut[na] = strings.first(fstr);
      this.aW[na] = this.finalW[d];
      this.aDest[na] = this.chainState(strings.tail(fstr));
      na++;
    }

    const o = this.detOut[d];
    this.out.reserveArcs(o, na);
    for (let i = 0; i < na; i++) this.out.addArc(o, this.aLabel[i], this.aOut[i], this.aW[i], this.aDest[i]);
  }

  /**
   * Merges the candidates order[begin … end-1] per input state into sState/mW/mStr (the states unsorted),
   * ⊕-ing weights in bucket order. Returns the number of distinct states.
   */
  private mergeBucket(begin: number, end: number): number {
    if (++this.stateEpoch === 0x3fffffff) {
      this.stateStamp.fill(-1);
      this.stateEpoch = 0;
    }
    const epoch = this.stateEpoch;
    const sr = this.sr;
    const acceptor = this.acceptor;
    const stamp = this.stateStamp;
    const slotOf = this.stateSlot;
    if (end - begin > this.sState.length) this.growMerge(end - begin);
    const sState = this.sState;
    const mW = this.mW;
    const mStr = this.mStr;
    let m = 0;
    for (let p = begin; p < end; p++) {
      const k = this.order[p];
      const q = this.cState[k];
      if (stamp[q] !== epoch) {
        stamp[q] = epoch;
        slotOf[q] = m;
        sState[m] = q;
        mW[m] = this.cW[k];
        if (!acceptor) mStr[m] = this.cStr[k];
        m++;
      } else {
        const slot = slotOf[q];
        if (!acceptor && mStr[slot] !== this.cStr[k]) this.nonFunctional(q, mStr[slot], this.cStr[k]);
        mW[slot] = Math.fround(sr.plus(mW[slot], this.cW[k]));
      }
    }
    return m;
  }

  /** The state that emits string R through epsilon-input arcs and then ends in the super-final state. */
  private chainState(r: number): number {
    if (r === EMPTY_STRING) return this.superFinalState();
    if (r >= this.chainOf.length) this.chainOf = growI32(this.chainOf, this.strings.size, -1);
    if (this.chainOf[r] >= 0) return this.chainOf[r];
    const created = this.chainScratch;
    created.length = 0;
    let t = r;
    while (t !== EMPTY_STRING && !(t < this.chainOf.length && this.chainOf[t] >= 0)) {
      if (t >= this.chainOf.length) this.chainOf = growI32(this.chainOf, this.strings.size, -1);
      this.chainOf[t] = this.addOutState();
      created.push(t);
      t = this.strings.tail(t);
    }
    for (const c of created) {
      const rest = this.strings.tail(c);
      const dest = rest === EMPTY_STRING ? this.superFinalState() : this.chainOf[rest];
      const o = this.chainOf[c];
      this.out.reserveArcs(o, 1);
      this.out.addArc(o, 0, this.strings.first(c), this.sr.one, dest);
    }
    return this.chainOf[r];
  }

  private superFinalState(): number {
    if (this.superfinal === NO_STATE) {
      this.superfinal = this.addOutState();
      this.out.setFinal(this.superfinal, this.sr.one);
    }
    return this.superfinal;
  }

  private growCandidates(min: number): void {
    this.cLabel = growI32(this.cLabel, min);
    this.cState = growI32(this.cState, min);
    if (!this.acceptor) this.cStr = growI32(this.cStr, min);
    this.cW = growF32(this.cW, min);
  }

  private growLabels(label: number): void {
    if (label < 0 || label >= MAX_LABEL) {
      throw new FstError('FST_ARGUMENT', `determinize: input label ${label} out of range [0, 2^26)`, { label });
    }
    this.labelStamp = growI32(this.labelStamp, label + 1, -1);
    this.labelPos = growI32(this.labelPos, label + 1);
  }

  private growMerge(min: number): void {
    this.sState = growI32(this.sState, min);
    this.sStr = growI32(this.sStr, min);
    this.sW = growF32(this.sW, min);
    this.sWBits = new Int32Array(this.sW.buffer);
    this.mStr = growI32(this.mStr, min);
    this.mW = growF32(this.mW, min);
  }

  private growArcs(min: number): void {
    this.aLabel = growI32(this.aLabel, min);
    this.aOut = growI32(this.aOut, min);
    this.aW = growF32(this.aW, min);
    this.aDest = growI32(this.aDest, min);
  }
}

/** Sorts a[0 … n-1] ascending: insertion sort for short runs, the native numeric sort otherwise. */
function sortInt32(a: Int32Array, n: number): void {
  if (n > 24) {
    a.subarray(0, n).sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > x) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}
