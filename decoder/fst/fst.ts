// The read-only FST interface, the mutable one, and the arc view through which algorithms read arcs.

import type { Semiring } from './semiring.ts';
import type { SymbolTable } from './symbol-table.ts';

/** A state id: 0 … numStates-1. */
export type StateId = number;
/** An arc label; 0 is epsilon (OpenFst convention), positive ids come from a symbol table. */
export type Label = number;
/** A weight of the FST's semiring (a cost). */
export type Weight = number;

/** OpenFst's kNoStateId: the start of an empty FST. */
export const NO_STATE: StateId = -1;
/** The epsilon label. */
export const EPSILON: Label = 0;
/** OpenFst's kNoLabel: never a real label; used by algorithms as a sentinel. */
export const NO_LABEL: Label = -1;

/** One arc as a plain object: for building and tests, not for hot loops (use `ArcView` there). */
export interface Arc {
  ilabel: Label;
  olabel: Label;
  weight: Weight;
  nextstate: StateId;
}

const EMPTY_I32 = new Int32Array(0);
const EMPTY_F32 = new Float32Array(0);

/**
 * A window onto the arcs of one state: arc k of the state is at index begin + k of the four arrays.
 * Filled by `Fst.arcs(s, view)`; reuse one view per loop to avoid allocation.
 * Caveat: for a `VectorFst` the arrays may be replaced by any later mutation; fetch the view again after one.
 */
export class ArcView {
  ilabel: Int32Array = EMPTY_I32;
  olabel: Int32Array = EMPTY_I32;
  nextstate: Int32Array = EMPTY_I32;
  weight: Float32Array = EMPTY_F32;
  begin = 0;
  end = 0;
}

/** Read-only access to an FST (OpenFst's `Fst` / `ExpandedFst`). */
export interface Fst {
  readonly semiring: Semiring;
  readonly isymbols: SymbolTable | undefined;
  readonly osymbols: SymbolTable | undefined;
  /** The start state, or NO_STATE for the empty FST. */
  start(): StateId;
  numStates(): number;
  /** Final weight of s (semiring zero when s is not final). */
  final(s: StateId): Weight;
  numArcs(s: StateId): number;
  /** Fills `view` with the arcs of s and returns it. O(1). */
  arcs(s: StateId, view: ArcView): ArcView;
  /**
   * Known property bits restricted to `mask`. With `compute`, properties in `mask` that are unknown are first
   * computed (O(V + E)) and cached where the FST allows.
   */
  properties(mask: number, compute?: boolean): number;
}

/** An FST that can be built and changed in place (OpenFst's `MutableFst`). */
export interface MutableFst extends Fst {
  isymbols: SymbolTable | undefined;
  osymbols: SymbolTable | undefined;
  addState(): StateId;
  /** Adds n states and returns the id of the first. */
  addStates(n: number): StateId;
  setStart(s: StateId): void;
  setFinal(s: StateId, w: Weight): void;
  addArc(s: StateId, ilabel: Label, olabel: Label, weight: Weight, nextstate: StateId): void;
  /** Overwrites arc k (0-based within the state) of s. */
  setArc(s: StateId, k: number, ilabel: Label, olabel: Label, weight: Weight, nextstate: StateId): void;
  /** Removes all arcs leaving s. */
  deleteArcs(s: StateId): void;
  /** Removes the states whose `dead[s]` is non-zero, renumbering the rest in order. O(V + E). */
  deleteStates(dead: Uint8Array): void;
  /** Removes all states and arcs. */
  deleteAllStates(): void;
  /** Replaces the cached properties: bits in `mask` are set from `bits`, the others kept. */
  setProperties(bits: number, mask: number): void;
  reserveStates(n: number): void;
  reserveArcs(s: StateId, n: number): void;
}

/** Collects the arcs of s as objects (for tests and small tools, not hot loops). */
export function arcsOf(fst: Fst, s: StateId): Arc[] {
  const v = fst.arcs(s, new ArcView());
  const out: Arc[] = [];
  for (let a = v.begin; a < v.end; a++) {
    out.push({ ilabel: v.ilabel[a], olabel: v.olabel[a], weight: v.weight[a], nextstate: v.nextstate[a] });
  }
  return out;
}

/** Total number of arcs. O(V). */
export function totalArcs(fst: Fst): number {
  let n = 0;
  for (let s = 0, ns = fst.numStates(); s < ns; s++) n += fst.numArcs(s);
  return n;
}
