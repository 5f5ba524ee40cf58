// Coarsest stable partition of a deterministic automaton (DFA state equivalence), for minimization.

/**
 * A deterministic automaton in CSR form. Arc labels and final classes are small non-negative integers (encoded
 * labels); two states are equivalent when they have the same final class and, label by label, equivalent
 * successors. A state has at most one arc per label. Missing arcs go nowhere (a partial transition function).
 */
export interface DfaArrays {
  numStates: number;
  /** numStates + 1 offsets: the arcs of s are arcStart[s] … arcStart[s + 1] - 1. */
  arcStart: Int32Array;
  label: Int32Array;
  next: Int32Array;
  /** Labels are in [0, numLabels). */
  numLabels: number;
  /** Per state: -1 when not final, else its final class in [0, numFinalClasses). */
  finalClass: Int32Array;
  numFinalClasses: number;
}

/** A partition of the states: block[s] in [0, numBlocks), blocks numbered in order of their first state. */
export interface StatePartition {
  block: Int32Array;
  numBlocks: number;
}

/**
 * The coarsest partition of the states into equivalence classes: Valmari and Lehtinen's O(m log n) refinement of
 * states ("blocks") and transitions ("cords") for partial DFAs, a form of Hopcroft's algorithm. Final classes
 * are modelled as transitions to one extra sink state labelled by the class, as OpenFst's encoded minimization
 * does with a super-final state. States should be accessible and co-accessible (trim first): the result is the
 * state map of the minimal automaton. Precondition: at most one arc per (state, label).
 * Cost: O((E + V) log V) time, O(E + V + numLabels + numFinalClasses) memory.
 */
export function coarsestPartition(dfa: DfaArrays): StatePartition {
  const n = dfa.numStates;
  const sink = n;
  const numStates = n + 1;
  let numFinals = 0;
  for (let s = 0; s < n; s++) if (dfa.finalClass[s] >= 0) numFinals++;
  const numArcs = dfa.arcStart[n];
  const m = numArcs + numFinals;
  // Transitions: tail, head and a key in [0, numLabels + numFinalClasses).
  const tail = new Int32Array(m);
  const head = new Int32Array(m);
  const key = new Int32Array(m);
  let t = 0;
  for (let s = 0; s < n; s++) {
    for (let a = dfa.arcStart[s]; a < dfa.arcStart[s + 1]; a++) {
      tail[t] = s;
      head[t] = dfa.next[a];
      key[t] = dfa.label[a];
      t++;
    }
    const fc = dfa.finalClass[s];
    if (fc >= 0) {
      tail[t] = s;
      head[t] = sink;
      key[t] = dfa.numLabels + fc;
      t++;
    }
  }

  const marks = new Int32Array(Math.max(numStates, m) + 1);
  const touched = new Int32Array(Math.max(numStates, m) + 1);
  const blocks = new Refinable(numStates, marks, touched);
  const cords = new Refinable(m, marks, touched);

  // Initial blocks: the sink alone, everything else together.
  blocks.mark(sink);
  blocks.split();

  // Initial cords: transitions grouped by key (counting sort).
  if (m > 0) {
    const numKeys = dfa.numLabels + dfa.numFinalClasses;
    const start = new Int32Array(numKeys + 1);
    for (let i = 0; i < m; i++) start[key[i] + 1]++;
    for (let k = 0; k < numKeys; k++) start[k + 1] += start[k];
    const fill = start.slice(0, numKeys);
    for (let i = 0; i < m; i++) {
      const p = fill[key[i]]++;
      cords.elems[p] = i;
      cords.loc[i] = p;
    }
    let z = 0;
    for (let k = 0; k < numKeys; k++) {
      if (start[k] === start[k + 1]) continue;
      cords.first[z] = start[k];
      cords.past[z] = start[k + 1];
      for (let p = start[k]; p < start[k + 1]; p++) cords.setOf[cords.elems[p]] = z;
      z++;
    }
    cords.count = z;
  } else {
    cords.count = 0;
  }

  // Incoming transitions of each state.
  const inStart = new Int32Array(numStates + 1);
  for (let i = 0; i < m; i++) inStart[head[i] + 1]++;
  for (let s = 0; s < numStates; s++) inStart[s + 1] += inStart[s];
  const inFill = inStart.slice(0, numStates);
  const inArcs = new Int32Array(m);
  for (let i = 0; i < m; i++) inArcs[inFill[head[i]]++] = i;

  let b = 1;
  let c = 0;
  while (c < cords.count) {
    for (let i = cords.first[c]; i < cords.past[c]; i++) blocks.mark(tail[cords.elems[i]]);
    blocks.split();
    c++;
    while (b < blocks.count) {
      for (let i = blocks.first[b]; i < blocks.past[b]; i++) {
        const s = blocks.elems[i];
        for (let j = inStart[s]; j < inStart[s + 1]; j++) cords.mark(inArcs[j]);
      }
      cords.split();
      b++;
    }
  }

  // Renumber blocks by first state, leaving the sink out.
  const renum = new Int32Array(blocks.count).fill(-1);
  const block = new Int32Array(n);
  let numBlocks = 0;
  for (let s = 0; s < n; s++) {
    const raw = blocks.setOf[s];
    if (renum[raw] < 0) renum[raw] = numBlocks++;
    block[s] = renum[raw];
  }
  return { block, numBlocks };
}

/**
 * A refinable partition of 0 … size-1 (Valmari and Lehtinen): set k occupies elems[first[k] … past[k] - 1];
 * marked elements of a set are moved to the front of its range. `marks` and `touched` are shared scratch.
 */
class Refinable {
  count: number;
  readonly elems: Int32Array;
  readonly loc: Int32Array;
  readonly setOf: Int32Array;
  readonly first: Int32Array;
  readonly past: Int32Array;
  private readonly marks: Int32Array;
  private readonly touched: Int32Array;
  private numTouched = 0;

  constructor(size: number, marks: Int32Array, touched: Int32Array) {
    this.elems = new Int32Array(size);
    this.loc = new Int32Array(size);
    this.setOf = new Int32Array(size);
    this.first = new Int32Array(size + 1);
    this.past = new Int32Array(size + 1);
    for (let i = 0; i < size; i++) {
      this.elems[i] = i;
      this.loc[i] = i;
    }
    this.count = size > 0 ? 1 : 0;
    this.past[0] = size;
    this.marks = marks;
    this.touched = touched;
  }

  /** Marks e (at most once between splits). */
  mark(e: number): void {
    const s = this.setOf[e];
    const i = this.loc[e];
    const j = this.first[s] + this.marks[s];
    const other = this.elems[j];
    this.elems[i] = other;
    this.loc[other] = i;
    this.elems[j] = e;
    this.loc[e] = j;
    if (this.marks[s]++ === 0) this.touched[this.numTouched++] = s;
  }

  /** Splits every touched set into marked and unmarked parts; the smaller part gets the new set id. */
  split(): void {
    while (this.numTouched > 0) {
      const s = this.touched[--this.numTouched];
      const j = this.first[s] + this.marks[s];
      if (j === this.past[s]) {
        this.marks[s] = 0;
        continue;
      }
      const z = this.count;
      if (this.marks[s] <= this.past[s] - j) {
        this.first[z] = this.first[s];
        this.past[z] = j;
        this.first[s] = j;
      } else {
        this.past[z] = this.past[s];
        this.first[z] = j;
        this.past[s] = j;
      }
      for (let i = this.first[z]; i < this.past[z]; i++) this.setOf[this.elems[i]] = z;
      this.marks[s] = 0;
      this.marks[z] = 0;
      this.count = z + 1;
    }
  }
}

/**
 * Plain reference twin of `coarsestPartition` (Moore's iterative refinement with string signatures), for
 * differential tests. Same result, numbered the same way. Cost: O((E + V) · rounds), rounds ≤ V.
 */
export function coarsestPartitionReference(dfa: DfaArrays): StatePartition {
  const n = dfa.numStates;
  let cls: number[] = [];
  for (let s = 0; s < n; s++) cls.push(dfa.finalClass[s]);
  let numClasses = -1;
  for (;;) {
    const ids = new Map<string, number>();
    const next: number[] = [];
    for (let s = 0; s < n; s++) {
      const arcs: string[] = [];
      for (let a = dfa.arcStart[s]; a < dfa.arcStart[s + 1]; a++) arcs.push(`${dfa.label[a]}>${cls[dfa.next[a]]}`);
      arcs.sort();
      const sig = `${cls[s]}|${arcs.join(',')}`;
      let id = ids.get(sig);
      if (id === undefined) {
        id = ids.size;
        ids.set(sig, id);
      }
      next.push(id);
    }
    cls = next;
    if (ids.size === numClasses) break;
    numClasses = ids.size;
  }
  const block = new Int32Array(n);
  const renum = new Map<number, number>();
  for (let s = 0; s < n; s++) {
    let b = renum.get(cls[s]);
    if (b === undefined) {
      b = renum.size;
      renum.set(cls[s], b);
    }
    block[s] = b;
  }
  return { block, numBlocks: renum.size };
}
