// ConstFst: a frozen FST in CSR typed arrays, for decoding and for zero-copy loading from disk.

import { FstError } from './errors.ts';
import { ArcView, NO_STATE, type Fst, type StateId, type Weight } from './fst.ts';
import { allKnown, computeProperties, pairMask } from './properties.ts';
import type { Semiring } from './semiring.ts';
import type { SymbolTable } from './symbol-table.ts';

/** The raw arrays of a ConstFst. Arcs of state s are at indices arcStart[s] … arcStart[s + 1] - 1. */
export interface ConstFstArrays {
  start: StateId;
  finals: Float32Array;
  /** numStates + 1 offsets into the arc arrays. */
  arcStart: Int32Array;
  ilabel: Int32Array;
  olabel: Int32Array;
  nextstate: Int32Array;
  weight: Float32Array;
}

/**
 * An immutable FST in compressed sparse row form: 16 bytes an arc, 8 bytes a state.
 * Hot loops may read the public arrays directly. Properties are computed once, on first request.
 */
export class ConstFst implements Fst {
  readonly semiring: Semiring;
  readonly isymbols: SymbolTable | undefined;
  readonly osymbols: SymbolTable | undefined;
  readonly startState: StateId;
  readonly finals: Float32Array;
  readonly arcStart: Int32Array;
  readonly ilabel: Int32Array;
  readonly olabel: Int32Array;
  readonly nextstate: Int32Array;
  readonly weight: Float32Array;
  private props: number;

  constructor(
    semiring: Semiring,
    arrays: ConstFstArrays,
    props = 0,
    isymbols?: SymbolTable,
    osymbols?: SymbolTable,
  ) {
    const n = arrays.finals.length;
    if (arrays.arcStart.length !== n + 1) {
      throw new FstError('FST_FORMAT', 'arcStart must have numStates + 1 entries');
    }
    const m = arrays.arcStart[n];
    if (arrays.ilabel.length < m || arrays.olabel.length < m || arrays.nextstate.length < m || arrays.weight.length < m) {
      throw new FstError('FST_FORMAT', 'arc arrays shorter than arcStart[numStates]');
    }
    if (arrays.start !== NO_STATE && (arrays.start < 0 || arrays.start >= n)) {
      throw new FstError('FST_FORMAT', `start state ${arrays.start} out of range`);
    }
    this.semiring = semiring;
    this.startState = arrays.start;
    this.finals = arrays.finals;
    this.arcStart = arrays.arcStart;
    this.ilabel = arrays.ilabel;
    this.olabel = arrays.olabel;
    this.nextstate = arrays.nextstate;
    this.weight = arrays.weight;
    this.props = props;
    this.isymbols = isymbols;
    this.osymbols = osymbols;
  }

  /** Freezes any FST into CSR form. O(V + E). */
  static from(fst: Fst): ConstFst {
    const n = fst.numStates();
    const arcStart = new Int32Array(n + 1);
    for (let s = 0; s < n; s++) arcStart[s + 1] = arcStart[s] + fst.numArcs(s);
    const m = arcStart[n];
    const ilabel = new Int32Array(m);
    const olabel = new Int32Array(m);
    const nextstate = new Int32Array(m);
    const weight = new Float32Array(m);
    const finals = new Float32Array(n);
    const view = new ArcView();
    for (let s = 0; s < n; s++) {
      finals[s] = fst.final(s);
      fst.arcs(s, view);
      // An element loop: per-state subarray views would allocate four objects a state.
      let o = arcStart[s];
      for (let a = view.begin; a < view.end; a++, o++) {
        ilabel[o] = view.ilabel[a];
        olabel[o] = view.olabel[a];
        nextstate[o] = view.nextstate[a];
        weight[o] = view.weight[a];
      }
    }
    return new ConstFst(
      fst.semiring,
      { start: fst.start(), finals, arcStart, ilabel, olabel, nextstate, weight },
      fst.properties(-1, false),
      fst.isymbols,
      fst.osymbols,
    );
  }

  start(): StateId {
    return this.startState;
  }

  numStates(): number {
    return this.finals.length;
  }

  numArcsTotal(): number {
    return this.arcStart[this.finals.length];
  }

  final(s: StateId): Weight {
    return this.finals[s];
  }

  numArcs(s: StateId): number {
    return this.arcStart[s + 1] - this.arcStart[s];
  }

  arcs(s: StateId, view: ArcView): ArcView {
    view.ilabel = this.ilabel;
    view.olabel = this.olabel;
    view.nextstate = this.nextstate;
    view.weight = this.weight;
    view.begin = this.arcStart[s];
    view.end = this.arcStart[s + 1];
    return view;
  }

  properties(mask: number, compute = false): number {
    if (compute && !allKnown(this.props, mask)) this.props = computeProperties(this);
    return this.props & pairMask(mask);
  }
}
