// Encode / decode: label pairs and/or weights of each arc become one label (OpenFst's EncodeMapper, Encode, Decode).

import { connect } from './connect.ts';
import { FstError } from './errors.ts';
import { ArcView, NO_LABEL, NO_STATE, type Label, type MutableFst, type Weight } from './fst.ts';
import { Props, coaccessible } from './properties.ts';
import type { SymbolTable } from './symbol-table.ts';

export interface EncodeMapperOptions {
  /** Encode the (input, output) label pair, so the result is an acceptor. Default false. */
  labels?: boolean;
  /** Encode the arc weight (final weights become arcs to a new super-final state). Default false. */
  weights?: boolean;
}

/** One entry of an encoding table: what an encoded label stands for. */
export interface EncodeTriple {
  ilabel: Label;
  olabel: Label;
  weight: Weight;
}

const f32 = new Float32Array(1);
const f32Bits = new Int32Array(f32.buffer);

function weightBits(w: number): number {
  // +0 and -0 compare equal, so they must hash equal.
  f32[0] = w === 0 ? 0 : w;
  return f32Bits[0];
}

/**
 * The table shared by encode and decode: triples (ilabel, olabel, weight) ↔ labels 1, 2, … in order of first
 * use, exactly as OpenFst numbers them. Without `labels` the olabel of a triple is 0; without `weights` its
 * weight is one (0). A final weight is encoded as the triple (NO_LABEL, NO_LABEL, weight).
 * Weights match when their float32 values are equal (no tolerance, as in OpenFst; quantize first if needed).
 * One mapper may encode several FSTs (their labels then agree) and decode any of them.
 * Memory: 12 bytes a triple plus a hash table of at most twice as many 4-byte slots.
 */
export class EncodeMapper {
  readonly labels: boolean;
  readonly weights: boolean;
  /** Symbol tables of the last FST encoded; decode restores them. */
  isymbols: SymbolTable | undefined;
  osymbols: SymbolTable | undefined;

  private il = new Int32Array(64);
  private ol = new Int32Array(64);
  private w = new Float32Array(64);
  private count = 0;
  private slots = new Int32Array(128).fill(-1);

  constructor(opts: EncodeMapperOptions = {}) {
    this.labels = opts.labels ?? false;
    this.weights = opts.weights ?? false;
  }

  /** Number of triples (the largest encoded label). */
  get size(): number {
    return this.count;
  }

  /**
   * The label of (ilabel, olabel, weight) after the mapper's masking (olabel dropped without `labels`, weight
   * dropped without `weights`), adding a new label when the triple is new. Amortised O(1).
   */
  encodeTriple(ilabel: Label, olabel: Label, weight: Weight): Label {
    const o = this.labels ? olabel : 0;
    const wt = this.weights ? Math.fround(weight) : 0;
    const bits = weightBits(wt);
    const mask = this.slots.length - 1;
    let h = tripleHash(ilabel, o, bits) & mask;
    for (;;) {
      const k = this.slots[h];
      if (k < 0) break;
      if (this.il[k] === ilabel && this.ol[k] === o && weightBits(this.w[k]) === bits) return k + 1;
      h = (h + 1) & mask;
    }
    const k = this.count;
    if (k === this.il.length) this.grow();
    this.il[k] = ilabel;
    this.ol[k] = o;
    this.w[k] = wt;
    this.slots[h] = k;
    this.count = k + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
    return k + 1;
  }

  /** The triple an encoded label stands for; FST_ARGUMENT for a label this mapper never produced. */
  triple(label: Label): EncodeTriple {
    if (!(label >= 1 && label <= this.count)) {
      throw new FstError('FST_ARGUMENT', `label ${label} is not in the encoding table`, { label });
    }
    return { ilabel: this.il[label - 1], olabel: this.ol[label - 1], weight: this.w[label - 1] };
  }

  /** Raw table access for decode's loop (no object per arc). */
  tripleILabel(label: Label): Label {
    return this.il[label - 1];
  }
  tripleOLabel(label: Label): Label {
    return this.ol[label - 1];
  }
  tripleWeight(label: Label): Weight {
    return this.w[label - 1];
  }

  private grow(): void {
    const n = this.il.length * 2;
    const il = new Int32Array(n);
    il.set(this.il);
    const ol = new Int32Array(n);
    ol.set(this.ol);
    const w = new Float32Array(n);
    w.set(this.w);
    this.il = il;
    this.ol = ol;
    this.w = w;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let k = 0; k < this.count; k++) {
      let h = tripleHash(this.il[k], this.ol[k], weightBits(this.w[k])) & mask;
      while (slots[h] >= 0) h = (h + 1) & mask;
      slots[h] = k;
    }
    this.slots = slots;
  }
}

function tripleHash(i: number, o: number, wbits: number): number {
  let h = Math.imul(i, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16) ^ o, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 13) ^ wbits, 0xc2b2ae3d);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Replaces each arc's labels and/or weight by one encoded label, in place, as OpenFst's Encode: every arc
 * (epsilon arcs included) gets label L = mapper.encodeTriple(…); with `labels` both sides become L, otherwise
 * the olabel is kept; with `weights` the arc weight becomes one, and a super-final state (final weight one) is
 * added with an arc from each final state carrying its encoded final weight (its final weight becomes zero).
 * Arcs are encoded state by state, final weight after the arcs, so labels agree with fstencode's.
 * Symbol tables move into the mapper (the FST's are cleared). Cost: O(V + E) expected time.
 */
export function encode(fst: MutableFst, mapper: EncodeMapper): void {
  mapper.isymbols = fst.isymbols;
  mapper.osymbols = fst.osymbols;
  fst.isymbols = undefined;
  fst.osymbols = undefined;
  const start = fst.start();
  if (start === NO_STATE) return;
  const saved = fst.properties(-1, false);
  const zero = fst.semiring.zero;
  const one = fst.semiring.one;
  const n = fst.numStates();
  let superfinal = NO_STATE;
  if (mapper.weights) {
    superfinal = fst.addState();
    fst.setFinal(superfinal, one);
  }
  const view = new ArcView();
  for (let s = 0; s < n; s++) {
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) {
      const label = mapper.encodeTriple(view.ilabel[a], view.olabel[a], view.weight[a]);
      fst.setArc(
        s,
        a - view.begin,
        label,
        mapper.labels ? label : view.olabel[a],
        mapper.weights ? one : view.weight[a],
        view.nextstate[a],
      );
    }
    if (mapper.weights) {
      const f = fst.final(s);
      if (f !== zero) {
        const label = mapper.encodeTriple(NO_LABEL, NO_LABEL, f);
        fst.addArc(s, label, mapper.labels ? label : 0, one, superfinal);
        fst.setFinal(s, zero);
      }
    }
  }
  let bits = 0;
  let mask = 0;
  if (mapper.labels) {
    bits |= Props.ACCEPTOR;
    mask |= Props.ACCEPTOR;
  }
  if (mapper.weights) {
    bits |= Props.UNWEIGHTED;
    mask |= Props.UNWEIGHTED;
  } else {
    // Label encoding alone keeps the weight and reachability structure.
    const kept = Props.WEIGHTED | Props.UNWEIGHTED | Props.CYCLIC | Props.ACYCLIC | Props.INITIAL_CYCLIC |
      Props.INITIAL_ACYCLIC | Props.TOP_SORTED | Props.NOT_TOP_SORTED | Props.ACCESSIBLE | Props.NOT_ACCESSIBLE |
      Props.COACCESSIBLE | Props.NOT_COACCESSIBLE;
    bits |= saved & kept;
    mask |= kept;
  }
  fst.setProperties(bits, mask);
}

/**
 * Undoes `encode` in place, as OpenFst's Decode: each non-epsilon arc label is looked up in the mapper (an
 * unknown label is FST_ARGUMENT); arcs to the super-final state become final weights again (OpenFst's
 * RmFinalEpsilon), and states left without a successful path are removed (Connect).
 * Symbol tables come back from the mapper. Cost: O(V + E).
 */
export function decode(fst: MutableFst, mapper: EncodeMapper): void {
  fst.isymbols = undefined;
  fst.osymbols = undefined;
  const view = new ArcView();
  const n = fst.numStates();
  if (fst.start() !== NO_STATE) {
    for (let s = 0; s < n; s++) {
      fst.arcs(s, view);
      for (let a = view.begin; a < view.end; a++) {
        const label = view.ilabel[a];
        if (label === 0) continue;
        if (mapper.labels && view.olabel[a] !== label) {
          throw new FstError('FST_ARGUMENT', `label-encoded arc ${s}→${view.nextstate[a]} has different labels`, {
            state: s,
          });
        }
        if (!(label >= 1 && label <= mapper.size)) {
          throw new FstError('FST_ARGUMENT', `label ${label} is not in the encoding table`, { label, state: s });
        }
        const ti = mapper.tripleILabel(label);
        let il: number;
        let ol: number;
        let w: number;
        if (ti === NO_LABEL) {
          il = 0;
          ol = 0;
          w = mapper.tripleWeight(label);
        } else {
          il = ti;
          ol = mapper.labels ? mapper.tripleOLabel(label) : view.olabel[a];
          w = mapper.weights ? mapper.tripleWeight(label) : view.weight[a];
        }
        fst.setArc(s, a - view.begin, il, ol, w, view.nextstate[a]);
      }
    }
    removeFinalEpsilons(fst);
  }
  fst.isymbols = mapper.isymbols;
  fst.osymbols = mapper.osymbols;
}

/**
 * OpenFst's RmFinalEpsilon: an epsilon arc into a final state that has no way on to a final state is folded
 * into the source's final weight (w ⊗ final ⊕ old final), then the FST is trimmed. O(V + E).
 */
function removeFinalEpsilons(fst: MutableFst): void {
  const sr = fst.semiring;
  const n = fst.numStates();
  const co = coaccessible(fst);
  const view = new ArcView();
  const finalOnly = new Uint8Array(n);
  for (let s = 0; s < n; s++) {
    if (fst.final(s) === sr.zero) continue;
    fst.arcs(s, view);
    let future = false;
    for (let a = view.begin; a < view.end && !future; a++) if (co[view.nextstate[a]]) future = true;
    if (!future) finalOnly[s] = 1;
  }
  let keepIl = new Int32Array(16);
  let keepOl = new Int32Array(16);
  let keepNs = new Int32Array(16);
  let keepW = new Float32Array(16);
  for (let s = 0; s < n; s++) {
    fst.arcs(s, view);
    let weight = fst.final(s);
    let kept = 0;
    const k = view.end - view.begin;
    if (k > keepIl.length) {
      keepIl = new Int32Array(k);
      keepOl = new Int32Array(k);
      keepNs = new Int32Array(k);
      keepW = new Float32Array(k);
    }
    for (let a = view.begin; a < view.end; a++) {
      const t = view.nextstate[a];
      if (finalOnly[t] && view.ilabel[a] === 0 && view.olabel[a] === 0) {
        weight = sr.plus(sr.times(fst.final(t), view.weight[a]), weight);
      } else {
        keepIl[kept] = view.ilabel[a];
        keepOl[kept] = view.olabel[a];
        keepNs[kept] = t;
        keepW[kept] = view.weight[a];
        kept++;
      }
    }
    if (kept < k) {
      fst.deleteArcs(s);
      fst.setFinal(s, weight);
      for (let i = 0; i < kept; i++) fst.addArc(s, keepIl[i], keepOl[i], keepW[i], keepNs[i]);
    }
  }
  connect(fst);
}
