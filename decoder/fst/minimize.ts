// Minimize: merges equivalent states of a deterministic FST in place (OpenFst's Minimize).

import { arcSort } from './arc-sort.ts';
import { connect } from './connect.ts';
import { EncodeMapper } from './encode.ts';
import { FstError } from './errors.ts';
import { ArcView, NO_LABEL, NO_STATE, type MutableFst } from './fst.ts';
import { quantizeFloat, quantizeWeights } from './float-weight.ts';
import { EMPTY_STRING, LabelStrings, ZERO_STRING } from './label-strings.ts';
import { coarsestPartition, type DfaArrays } from './partition-refinement.ts';
import { Props } from './properties.ts';
import { push } from './push.ts';
import { shortestDistance } from './shortest-distance.ts';

/** OpenFst's kShortestDelta: fstminimize's default --delta. */
export const MINIMIZE_DELTA = 1e-6;

export interface MinimizeOptions {
  /**
   * Convergence tolerance of the weight pushing and quantisation step of the pushed weights before states are
   * compared, in cost units. Larger → more states merged, weights less exact. Default 1e-6 (fstminimize's).
   */
  delta?: number;
}

/**
 * Minimizes a deterministic FST in place, as `fstminimize` (OpenFst's Minimize): the result is the minimal
 * deterministic FST with the same weighted relation, isomorphic to OpenFst's.
 *
 * - Unweighted acceptors: the FST is trimmed and equivalent states (same finality, same labels to equivalent
 *   states) are merged.
 * - Weighted acceptors: weights are first pushed towards the initial state and quantized by `delta`; then each
 *   (label, weight) pair and each final weight is treated as one letter (OpenFst encodes them), so states merge
 *   when their futures agree in labels and pushed weights.
 * - Transducers: as OpenFst, output strings and weights are pushed together (Gallic weights: the output
 *   labels common to all paths leaving a state move towards the start), (label, output string, weight) is the
 *   letter, and after merging, arcs carrying more than one output label are split into chains of arcs (final
 *   outputs end in one shared super-final state).
 *
 * The merged state keeps the number and arcs of the lowest-numbered state of its class; arcs end up sorted by
 * input label. As in OpenFst, pushing may add a new start state with one epsilon arc (when the start state
 * lies on a cycle and its potential is not one).
 * Preconditions: I_DETERMINISTIC (epsilon counts as a label), else FST_PROPERTY; weights pushable (see push).
 * Cost: O(E log V) time for the partition refinement plus the pushing (a shortest-distance computation);
 * O(V + E) extra memory (transducers: plus the interned output strings).
 */
export function minimize(fst: MutableFst, opts: MinimizeOptions = {}): void {
  const delta = opts.delta ?? MINIMIZE_DELTA;
  if (!(delta > 0 && Number.isFinite(delta))) {
    throw new FstError('FST_ARGUMENT', `delta must be a positive number, got ${delta}`, { delta });
  }
  const props = fst.properties(Props.ACCEPTOR | Props.I_DETERMINISTIC | Props.WEIGHTED, true);
  if (!(props & Props.I_DETERMINISTIC)) {
    throw new FstError('FST_PROPERTY', 'minimize needs an input-deterministic FST (determinize first)', {
      missing: 'I_DETERMINISTIC',
    });
  }
  connect(fst);
  if (fst.start() === NO_STATE) return;
  if (!(props & Props.ACCEPTOR)) {
    minimizeTransducer(fst, delta);
    return;
  }
  if (props & Props.WEIGHTED) {
    push(fst, { delta });
    quantizeWeights(fst, delta);
  }
  mergeAcceptorStates(fst);
}

/** Partitions a trimmed deterministic acceptor with (ilabel, olabel, weight) triples as letters and merges. */
function mergeAcceptorStates(fst: MutableFst): void {
  const n = fst.numStates();
  const view = new ArcView();
  const mapper = new EncodeMapper({ labels: true, weights: true });
  const arcStart = new Int32Array(n + 1);
  for (let s = 0; s < n; s++) arcStart[s + 1] = arcStart[s] + fst.numArcs(s);
  const m = arcStart[n];
  const label = new Int32Array(m);
  const next = new Int32Array(m);
  const finalClass = new Int32Array(n);
  const zero = fst.semiring.zero;
  for (let s = 0; s < n; s++) {
    fst.arcs(s, view);
    let k = arcStart[s];
    for (let a = view.begin; a < view.end; a++, k++) {
      label[k] = mapper.encodeTriple(view.ilabel[a], view.olabel[a], view.weight[a]);
      next[k] = view.nextstate[a];
    }
    const f = fst.final(s);
    finalClass[s] = f === zero ? -1 : mapper.encodeTriple(NO_LABEL, NO_LABEL, f);
  }
  const k = mapper.size + 1;
  const dfa: DfaArrays = { numStates: n, arcStart, label, next, numLabels: k, finalClass, numFinalClasses: k };
  const { block, numBlocks } = coarsestPartition(dfa);
  if (numBlocks === n) {
    arcSort(fst, 'ilabel');
    return;
  }
  // Blocks are numbered by their first state, so rep[b] is increasing and deleteStates maps rep[b] to b.
  const rep = new Int32Array(numBlocks).fill(-1);
  const dead = new Uint8Array(n);
  for (let s = 0; s < n; s++) {
    if (rep[block[s]] < 0) rep[block[s]] = s;
    else dead[s] = 1;
  }
  for (let b = 0; b < numBlocks; b++) {
    const s = rep[b];
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) {
      fst.setArc(s, a - view.begin, view.ilabel[a], view.olabel[a], view.weight[a], rep[block[view.nextstate[a]]]);
    }
  }
  fst.setStart(rep[block[fst.start()]]);
  fst.deleteStates(dead);
  arcSort(fst, 'ilabel');
  const bits = Props.ACCEPTOR | Props.I_DETERMINISTIC | Props.I_LABEL_SORTED | Props.O_LABEL_SORTED |
    Props.ACCESSIBLE | Props.COACCESSIBLE;
  fst.setProperties(bits, bits);
}

/**
 * OpenFst's transducer path: ToGallic, Push (Gallic, to initial), Quantize, Encode, minimize, Decode,
 * FactorWeight (arcs and finals), FromGallic — on typed arrays, with output strings interned.
 */
function minimizeTransducer(fst: MutableFst, delta: number): void {
  const sr = fst.semiring;
  const n0 = fst.numStates();
  const strings = new LabelStrings();
  const view = new ArcView();

  // Gallic copy in CSR form, with room for one extra start state and its arc.
  const m0 = countArcs(fst, view);
  const gStart = new Int32Array(n0 + 2);
  const gIl = new Int32Array(m0 + 1);
  const gStr = new Int32Array(m0 + 1);
  const gW = new Float32Array(m0 + 1);
  const gNext = new Int32Array(m0 + 1);
  const fStr = new Int32Array(n0 + 1).fill(ZERO_STRING);
  const fW = new Float32Array(n0 + 1).fill(sr.zero);
  let k = 0;
  for (let s = 0; s < n0; s++) {
    gStart[s] = k;
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++, k++) {
      gIl[k] = view.ilabel[a];
      const ol = view.olabel[a];
      gStr[k] = ol === 0 ? EMPTY_STRING : strings.append(EMPTY_STRING, ol);
      gW[k] = view.weight[a];
      gNext[k] = view.nextstate[a];
    }
    const f = fst.final(s);
    if (f !== sr.zero) {
      fStr[s] = EMPTY_STRING;
      fW[s] = f;
    }
  }
  gStart[n0] = k;
  gStart[n0 + 1] = k;
  let n = n0;
  let start = fst.start();

  // Gallic potentials: the weight part is the ordinary distance to the finals; the string part is the
  // longest common prefix of the outputs of all paths to a final state.
  const dist = shortestDistance(fst, { reverse: true, delta });
  const dW = new Float32Array(n0);
  for (let s = 0; s < n0; s++) dW[s] = dist[s];
  const dS = outputPrefixes(n0, gStart, gStr, gNext, fStr, strings);

  // Reweight towards the initial state.
  for (let s = 0; s < n0; s++) {
    if (dS[s] === ZERO_STRING) continue;
    const cut = strings.length(dS[s]);
    for (let a = gStart[s]; a < gStart[s + 1]; a++) {
      const t = gNext[a];
      if (dS[t] === ZERO_STRING) continue;
      gStr[a] = strings.dropPrefix(strings.concat(gStr[a], dS[t]), cut);
      gW[a] = Math.fround(Math.fround(gW[a] + dW[t]) - dW[s]);
    }
    if (fStr[s] !== ZERO_STRING) {
      fStr[s] = strings.dropPrefix(fStr[s], cut);
      fW[s] = Math.fround(fW[s] - dW[s]);
    }
  }
  const startStr = dS[start];
  const startW = dW[start];
  if (startStr !== ZERO_STRING && (startStr !== EMPTY_STRING || startW !== sr.one)) {
    if (fst.properties(Props.INITIAL_ACYCLIC, true) & Props.INITIAL_ACYCLIC) {
      for (let a = gStart[start]; a < gStart[start + 1]; a++) {
        gStr[a] = strings.concat(startStr, gStr[a]);
        gW[a] = Math.fround(startW + gW[a]);
      }
      if (fStr[start] !== ZERO_STRING) {
        fStr[start] = strings.concat(startStr, fStr[start]);
        fW[start] = Math.fround(startW + fW[start]);
      }
    } else {
      gIl[k] = 0;
      gStr[k] = startStr;
      gW[k] = startW;
      gNext[k] = start;
      gStart[n0 + 1] = k + 1;
      start = n0;
      n = n0 + 1;
    }
  }

  // Quantize, encode (label, output string, weight) triples and partition.
  const mapper = new EncodeMapper({ labels: true, weights: true });
  const m = gStart[n];
  const label = new Int32Array(m);
  for (let a = 0; a < m; a++) {
    gW[a] = quantizeFloat(gW[a], delta);
    label[a] = mapper.encodeTriple(gIl[a], gStr[a], gW[a]);
  }
  const finalClass = new Int32Array(n).fill(-1);
  for (let s = 0; s < n; s++) {
    if (fStr[s] === ZERO_STRING) continue;
    fW[s] = quantizeFloat(fW[s], delta);
    finalClass[s] = mapper.encodeTriple(NO_LABEL, fStr[s], fW[s]);
  }
  const numKeys = mapper.size + 1;
  const { block, numBlocks } = coarsestPartition({
    numStates: n,
    arcStart: gStart.subarray(0, n + 1),
    label,
    next: gNext,
    numLabels: numKeys,
    finalClass,
    numFinalClasses: numKeys,
  });
  const rep = new Int32Array(numBlocks).fill(-1);
  for (let s = 0; s < n; s++) if (rep[block[s]] < 0) rep[block[s]] = s;

  // The merged Gallic machine (block b is rep[b]'s arcs, sorted by label), written out with every arc and
  // final weight factored to at most one output label.
  const sortedArcs = new Int32Array(m);
  const nextBlock = new Int32Array(m);
  const blockFinalStr = new Int32Array(numBlocks);
  const blockFinalW = new Float32Array(numBlocks);
  const blockArcStart = new Int32Array(numBlocks + 1);
  let p = 0;
  for (let b = 0; b < numBlocks; b++) {
    const s = rep[b];
    blockArcStart[b] = p;
    blockFinalStr[b] = fStr[s];
    blockFinalW[b] = fW[s];
    // Input labels are distinct within a state (the input is deterministic): insertion sort by label.
    for (let a = gStart[s]; a < gStart[s + 1]; a++) {
      let j = p++;
      while (j > blockArcStart[b] && gIl[sortedArcs[j - 1]] > gIl[a]) {
        sortedArcs[j] = sortedArcs[j - 1];
        j--;
      }
      sortedArcs[j] = a;
    }
  }
  blockArcStart[numBlocks] = p;
  for (let a = 0; a < m; a++) nextBlock[a] = block[gNext[a]];
  factorGallic(fst, strings, {
    startBlock: block[start],
    blockArcStart,
    sortedArcs,
    il: gIl,
    str: gStr,
    w: gW,
    nextBlock,
    finalStr: blockFinalStr,
    finalW: blockFinalW,
  });
}

/** The minimized Gallic machine: block b's arcs are sortedArcs[blockArcStart[b] …] (indices into il/str/w). */
interface GallicMachine {
  startBlock: number;
  blockArcStart: Int32Array;
  sortedArcs: Int32Array;
  il: Int32Array;
  str: Int32Array;
  w: Float32Array;
  /** Per arc index: the block of its destination. */
  nextBlock: Int32Array;
  /** Per block: final output string (ZERO_STRING when not final) and final weight. */
  finalStr: Int32Array;
  finalW: Float32Array;
}

/**
 * OpenFst's FactorWeightFst (arcs and finals) followed by FromGallicMapper: states are (block, pending output
 * string) pairs; an arc whose output (pending string · arc string) is longer than one label emits its first
 * label and carries the rest to the destination; final outputs of one label, or the last label of a longer
 * one, go on an epsilon-input arc into a single super-final state. Rewrites `fst` (all states replaced).
 */
function factorGallic(fst: MutableFst, strings: LabelStrings, g: GallicMachine): void {
  const sr = fst.semiring;
  fst.deleteAllStates();
  const ids = new Map<number, number>();
  const elemBlock: number[] = [];
  const elemStr: number[] = [];
  const elemOut: number[] = [];
  const stride = g.blockArcStart.length;
  const find = (b: number, r: number): number => {
    const key = r * stride + (b + 1);
    let e = ids.get(key);
    if (e === undefined) {
      e = elemBlock.length;
      ids.set(key, e);
      elemBlock.push(b);
      elemStr.push(r);
      elemOut.push(fst.addState());
    }
    return elemOut[e];
  };
  let superfinal = NO_STATE;
  const superFinal = (): number => {
    if (superfinal === NO_STATE) {
      superfinal = fst.addState();
      fst.setFinal(superfinal, sr.one);
    }
    return superfinal;
  };
  fst.setStart(find(g.startBlock, EMPTY_STRING));
  for (let e = 0; e < elemBlock.length; e++) {
    const b = elemBlock[e];
    const r = elemStr[e];
    const o = elemOut[e];
    let fs = ZERO_STRING;
    let fw = sr.zero;
    if (b >= 0) {
      fst.reserveArcs(o, g.blockArcStart[b + 1] - g.blockArcStart[b] + 1);
      for (let i = g.blockArcStart[b]; i < g.blockArcStart[b + 1]; i++) {
        const a = g.sortedArcs[i];
        const s2 = strings.concat(r, g.str[a]);
        const len = strings.length(s2);
        const nb = g.nextBlock[a];
        if (len <= 1) {
          const dest = find(nb, EMPTY_STRING);
          fst.addArc(o, g.il[a], len === 1 ? strings.first(s2) : 0, g.w[a], dest);
        } else {
          const dest = find(nb, strings.tail(s2));
          fst.addArc(o, g.il[a], strings.first(s2), g.w[a], dest);
        }
      }
      const f = g.finalStr[b];
      if (f !== ZERO_STRING) {
        fs = strings.concat(r, f);
        fw = g.finalW[b];
      }
    } else {
      fs = r;
      fw = sr.one;
    }
    if (fs === ZERO_STRING) continue;
    const len = strings.length(fs);
    if (len === 0) fst.setFinal(o, fw);
    else if (len === 1) fst.addArc(o, 0, strings.first(fs), fw, superFinal());
    else {
      const dest = find(-1, strings.tail(fs));
      fst.addArc(o, 0, strings.first(fs), fw, dest);
    }
  }
}

/**
 * The string half of the Gallic distance to the finals: for each state, the longest common prefix of the
 * output strings of all its paths to a final state (ZERO_STRING when there is none). A worklist over reversed
 * arcs; each state's prefix only shortens after it is first set, so this terminates. Cost: O(E · L) for output
 * strings of length at most L.
 */
function outputPrefixes(
  n: number,
  arcStart: Int32Array,
  str: Int32Array,
  next: Int32Array,
  finalStr: Int32Array,
  strings: LabelStrings,
): Int32Array {
  const m = arcStart[n];
  const inStart = new Int32Array(n + 1);
  for (let a = 0; a < m; a++) inStart[next[a] + 1]++;
  for (let s = 0; s < n; s++) inStart[s + 1] += inStart[s];
  const fill = inStart.slice(0, n);
  const inArc = new Int32Array(m);
  const src = new Int32Array(m);
  for (let s = 0; s < n; s++) {
    for (let a = arcStart[s]; a < arcStart[s + 1]; a++) {
      const i = fill[next[a]]++;
      inArc[i] = a;
      src[i] = s;
    }
  }
  const d = new Int32Array(n).fill(ZERO_STRING);
  const queue = new Int32Array(n);
  const queued = new Uint8Array(n);
  let head = 0;
  let size = 0;
  for (let s = 0; s < n; s++) {
    if (finalStr[s] === ZERO_STRING) continue;
    d[s] = finalStr[s];
    queue[(head + size++) % n] = s;
    queued[s] = 1;
  }
  while (size > 0) {
    const t = queue[head];
    head = (head + 1) % n;
    size--;
    queued[t] = 0;
    const dt = d[t];
    for (let i = inStart[t]; i < inStart[t + 1]; i++) {
      const p = src[i];
      const cand = strings.concat(str[inArc[i]], dt);
      const cur = d[p];
      const nv = cur === ZERO_STRING ? cand : strings.commonPrefix(cur, cand);
      if (nv !== cur) {
        d[p] = nv;
        if (!queued[p]) {
          queued[p] = 1;
          queue[(head + size++) % n] = p;
        }
      }
    }
  }
  return d;
}

function countArcs(fst: MutableFst, view: ArcView): number {
  let m = 0;
  for (let s = 0, n = fst.numStates(); s < n; s++) {
    fst.arcs(s, view);
    m += view.end - view.begin;
  }
  return m;
}
