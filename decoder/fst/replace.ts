// Replace: expands nonterminal arcs into the FSTs of the rules they name, recursively (OpenFst's Replace).

import { FstError } from './errors.ts';
import { ArcView, NO_STATE, type Fst, type Label } from './fst.ts';
import { Props } from './properties.ts';
import { TropicalSemiring } from './semiring.ts';
import { compatSymbols } from './symbol-table.ts';
import { VectorFst } from './vector-fst.ts';

/** Which labels of a call or return arc keep a label; the others become epsilon (OpenFst's ReplaceLabelType). */
export type ReplaceLabeling = 'input' | 'output' | 'both' | 'neither';

export interface ReplaceOptions {
  /**
   * Labels of the arc that enters a rule: 'input' keeps the nonterminal arc's input label (output epsilon),
   * 'output' its output label (the nonterminal), 'both' both, 'neither' none. Default 'input' (OpenFst's).
   */
  callArcLabeling?: ReplaceLabeling;
  /** Labels of the arc that leaves a rule, which carry `returnLabel`. Default 'neither' (OpenFst's). */
  returnArcLabeling?: ReplaceLabeling;
  /** Label written on return arcs where `returnArcLabeling` keeps one; 0 forces 'neither'. Default 0. */
  returnLabel?: number;
  /**
   * Make call and return arcs epsilon on both sides, overriding both labelings (fstreplace --epsilon_on_replace).
   * Default false.
   */
  epsilonOnReplace?: boolean;
  /**
   * Throw FST_LIMIT when rules nest deeper than this (the root is depth 0). Rule sets are acyclic, so the depth
   * is at most the number of rules; the limit guards against exponentially large expansions. Default Infinity.
   */
  maxDepth?: number;
}

const LABELINGS: readonly ReplaceLabeling[] = ['input', 'output', 'both', 'neither'];

/**
 * Expands the rule `root`: every arc whose output label names a rule (a "nonterminal" arc) is replaced by a
 * call into a copy of that rule's FST, entered at its start by the call arc (the nonterminal arc's weight and,
 * per `callArcLabeling`, labels) and left from each of its final states f by a return arc (weight Final(f),
 * labels per `returnArcLabeling`) to the nonterminal arc's destination. Only the root's final states are final.
 * A copy is made per distinct call stack, as OpenFst's ReplaceFst does; states are numbered in the order
 * OpenFst discovers them (breadth-first by id, the return arc of a state before its other arcs), so the result
 * is identical to fstreplace's output. A nonterminal arc naming a rule with an empty FST (no start) is dropped.
 * Later rules with the same label shadow earlier ones, as in OpenFst.
 * Preconditions (FST_ARGUMENT): rule labels are positive; `root` names a rule; no rule depends on itself,
 * directly or through others (checked over all rules, reachable or not, as fstreplace does: a finite expansion
 * needs it). All rules share one semiring (FST_SEMIRING) and compatible symbol tables (FST_SYMBOL); the result
 * takes the first rule's tables. No rules yield an empty FST.
 * Cost: O(output states + output arcs) time, times a hash lookup per call and return arc; memory for the output
 * plus one state map per (call stack, rule) pair, sized by that rule's states. The output can be exponential in
 * the nesting depth when rules are called from many places.
 */
export function replace(root: Label, rules: ReadonlyArray<readonly [Label, Fst]>, opts: ReplaceOptions = {}): VectorFst {
  const callType = opts.epsilonOnReplace ? 'neither' : (opts.callArcLabeling ?? 'input');
  const returnLabel = opts.returnLabel ?? 0;
  const returnType = returnLabel === 0 || opts.epsilonOnReplace ? 'neither' : (opts.returnArcLabeling ?? 'neither');
  const maxDepth = opts.maxDepth ?? Infinity;
  if (!LABELINGS.includes(callType)) throw new FstError('FST_ARGUMENT', `bad callArcLabeling ${String(callType)}`);
  if (!LABELINGS.includes(returnType)) throw new FstError('FST_ARGUMENT', `bad returnArcLabeling ${String(returnType)}`);
  if (!Number.isInteger(returnLabel) || returnLabel < 0) {
    throw new FstError('FST_ARGUMENT', 'returnLabel must be a non-negative integer', { returnLabel });
  }
  if (!(maxDepth >= 0)) throw new FstError('FST_ARGUMENT', 'maxDepth must be non-negative', { maxDepth });
  if (rules.length === 0) return new VectorFst(TropicalSemiring);

  const sr = rules[0][1].semiring;
  // fsts[i] is rule i (1-based, as OpenFst's fst_array); ruleOf maps a label to its last rule.
  const fsts: Fst[] = [rules[0][1]];
  const ruleOf = new Map<number, number>();
  for (let i = 0; i < rules.length; i++) {
    const [label, fst] = rules[i];
    if (!Number.isInteger(label) || label <= 0) {
      throw new FstError('FST_ARGUMENT', `rule labels must be positive integers, got ${label}`, { label });
    }
    if (fst.semiring !== sr) throw new FstError('FST_SEMIRING', 'all rules must use the same semiring', { label });
    if (!compatSymbols(rules[0][1].isymbols, fst.isymbols) || !compatSymbols(rules[0][1].osymbols, fst.osymbols)) {
      throw new FstError('FST_SYMBOL', `symbol tables of rule ${label} differ from those of the first rule`, { label });
    }
    fsts.push(fst);
    ruleOf.set(label, i + 1);
  }
  const rootRule = ruleOf.get(root);
  if (rootRule === undefined) throw new FstError('FST_ARGUMENT', `no rule for root label ${root}`, { root });
  const cycle = dependencyCycle(fsts, ruleOf);
  if (cycle !== undefined) {
    throw new FstError('FST_ARGUMENT', `rule ${cycle} depends on itself: cannot expand`, { label: cycle });
  }

  const out = new VectorFst(sr);
  out.isymbols = rules[0][1].isymbols;
  out.osymbols = rules[0][1].osymbols;
  const rootStart = fsts[rootRule].start();
  if (rootStart === NO_STATE) return out;

  const callIn = callType === 'input' || callType === 'both';
  const callOut = callType === 'output' || callType === 'both';
  const retIl = returnType === 'input' || returnType === 'both' ? returnLabel : 0;
  const retOl = returnType === 'output' || returnType === 'both' ? returnLabel : 0;

  const table = new ExpansionTable(fsts);
  table.findState(table.frameOf(0, rootRule), rootStart);
  const view = new ArcView();
  // Output states are expanded in id order; expanding one may discover (number) further states.
  for (let s = 0; s < table.numStates; s++) {
    const frame = table.stateFrame[s];
    const q = table.stateLocal[s];
    const prefix = table.framePrefix[frame];
    const rule = table.frameRule[frame];
    const fst = fsts[rule];
    out.addState();
    const fw = fst.final(q);
    if (prefix === 0) {
      out.setFinal(s, fw);
    } else if (fw !== sr.zero) {
      // Return to the caller, just past the nonterminal arc that entered this rule.
      const back = table.frameOf(table.prefixParent[prefix], table.prefixRule[prefix]);
      out.addArc(s, retIl, retOl, fw, table.findState(back, table.prefixReturn[prefix]));
    }
    fst.arcs(q, view);
    for (let a = view.begin; a < view.end; a++) {
      const il = view.ilabel[a];
      const ol = view.olabel[a];
      const callee = ol === 0 ? undefined : ruleOf.get(ol);
      if (callee === undefined) {
        out.addArc(s, il, ol, view.weight[a], table.findState(frame, view.nextstate[a]));
        continue;
      }
      const calleeStart = fsts[callee].start();
      if (calleeStart === NO_STATE) continue;
      const child = table.pushPrefix(prefix, rule, view.nextstate[a]);
      if (table.prefixDepth[child] > maxDepth) {
        throw new FstError('FST_LIMIT', `rules nest deeper than maxDepth ${maxDepth}`, { limit: maxDepth });
      }
      const t = table.findState(table.frameOf(child, callee), calleeStart);
      out.addArc(s, callIn ? il : 0, callOut ? ol : 0, view.weight[a], t);
      // findState may have grown the table's arrays but never touches the rule FSTs, so the view stays valid.
    }
  }
  out.setStart(0);
  const known = Props.ACCEPTOR;
  let allAcceptors = true;
  for (let i = 1; i < fsts.length; i++) if (!(fsts[i].properties(known, false) & known)) allAcceptors = false;
  // Call and return arcs keep an acceptor an acceptor only when both of their sides agree.
  if (allAcceptors && (callType === 'both' || callType === 'neither') && (returnType === 'both' || returnType === 'neither')) {
    out.setProperties(Props.ACCEPTOR, Props.ACCEPTOR);
  }
  return out;
}

/**
 * Call stacks (prefixes) as a trie, frames (call stack, rule) and output states (frame, local state), each
 * numbered in order of discovery. A prefix is its parent plus one pushed (calling rule, return state) pair.
 */
class ExpansionTable {
  numStates = 0;
  stateFrame = new Int32Array(64);
  stateLocal = new Int32Array(64);
  framePrefix = new Int32Array(16);
  frameRule = new Int32Array(16);
  prefixParent = new Int32Array(16);
  prefixRule = new Int32Array(16);
  prefixReturn = new Int32Array(16);
  prefixDepth = new Int32Array(16);
  private numFrames = 0;
  private numPrefixes = 1;
  // Per frame: local state → output state (-1 when not yet seen).
  private readonly frameStates: Int32Array[] = [];
  private readonly fsts: readonly Fst[];
  private readonly prefixes = new Int3Map();
  private readonly frames = new Int3Map();

  constructor(fsts: readonly Fst[]) {
    this.fsts = fsts;
  }

  pushPrefix(parent: number, rule: number, returnState: number): number {
    const found = this.prefixes.get(parent, rule, returnState);
    if (found >= 0) return found;
    const id = this.numPrefixes++;
    if (id === this.prefixParent.length) {
      this.prefixParent = grow(this.prefixParent);
      this.prefixRule = grow(this.prefixRule);
      this.prefixReturn = grow(this.prefixReturn);
      this.prefixDepth = grow(this.prefixDepth);
    }
    this.prefixParent[id] = parent;
    this.prefixRule[id] = rule;
    this.prefixReturn[id] = returnState;
    this.prefixDepth[id] = this.prefixDepth[parent] + 1;
    this.prefixes.set(parent, rule, returnState, id);
    return id;
  }

  frameOf(prefix: number, rule: number): number {
    const found = this.frames.get(prefix, rule, 0);
    if (found >= 0) return found;
    const id = this.numFrames++;
    if (id === this.framePrefix.length) {
      this.framePrefix = grow(this.framePrefix);
      this.frameRule = grow(this.frameRule);
    }
    this.framePrefix[id] = prefix;
    this.frameRule[id] = rule;
    this.frameStates.push(new Int32Array(this.fsts[rule].numStates()).fill(-1));
    this.frames.set(prefix, rule, 0, id);
    return id;
  }

  findState(frame: number, local: number): number {
    const map = this.frameStates[frame];
    const found = map[local];
    if (found >= 0) return found;
    const id = this.numStates++;
    if (id === this.stateFrame.length) {
      this.stateFrame = grow(this.stateFrame);
      this.stateLocal = grow(this.stateLocal);
    }
    this.stateFrame[id] = frame;
    this.stateLocal[id] = local;
    map[local] = id;
    return id;
  }
}

/** Open-addressing hash map from three int32 keys to a non-negative int32 value (-1 when absent). */
class Int3Map {
  private size = 0;
  private ka = new Int32Array(64);
  private kb = new Int32Array(64);
  private kc = new Int32Array(64);
  private val = new Int32Array(64).fill(-1);

  get(a: number, b: number, c: number): number {
    const mask = this.val.length - 1;
    for (let h = hash3(a, b, c) & mask; this.val[h] >= 0; h = (h + 1) & mask) {
      if (this.ka[h] === a && this.kb[h] === b && this.kc[h] === c) return this.val[h];
    }
    return -1;
  }

  /** Inserts a key known to be absent. */
  set(a: number, b: number, c: number, v: number): void {
    if ((this.size + 1) * 2 > this.val.length) this.rehash();
    const mask = this.val.length - 1;
    let h = hash3(a, b, c) & mask;
    while (this.val[h] >= 0) h = (h + 1) & mask;
    this.ka[h] = a;
    this.kb[h] = b;
    this.kc[h] = c;
    this.val[h] = v;
    this.size++;
  }

  private rehash(): void {
    const { ka, kb, kc, val } = this;
    const n = val.length * 2;
    this.ka = new Int32Array(n);
    this.kb = new Int32Array(n);
    this.kc = new Int32Array(n);
    this.val = new Int32Array(n).fill(-1);
    this.size = 0;
    for (let i = 0; i < val.length; i++) if (val[i] >= 0) this.set(ka[i], kb[i], kc[i], val[i]);
  }
}

function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d);
  h ^= h >>> 15;
  return h;
}

/**
 * A rule label on a cycle of the dependency graph (rule i → rule j when some arc of i has j's label as output
 * label), over every rule as OpenFst's ReplaceUtil does; undefined when acyclic. Iterative DFS, O(total arcs).
 */
function dependencyCycle(fsts: readonly Fst[], ruleOf: ReadonlyMap<number, number>): number | undefined {
  const m = fsts.length;
  const succ: number[][] = [[]];
  const view = new ArcView();
  for (let i = 1; i < m; i++) {
    const deps = new Set<number>();
    const fst = fsts[i];
    for (let s = 0, n = fst.numStates(); s < n; s++) {
      fst.arcs(s, view);
      for (let a = view.begin; a < view.end; a++) {
        const j = view.olabel[a] === 0 ? undefined : ruleOf.get(view.olabel[a]);
        if (j !== undefined) deps.add(j);
      }
    }
    succ.push([...deps]);
  }
  const labelOf = new Map<number, number>();
  for (const [label, i] of ruleOf) labelOf.set(i, label);
  const color = new Uint8Array(m);
  const stack: number[] = [];
  const next: number[] = [];
  for (let r = 1; r < m; r++) {
    if (color[r]) continue;
    stack.push(r);
    next.push(0);
    color[r] = 1;
    while (stack.length > 0) {
      const i = stack[stack.length - 1];
      const k = next[next.length - 1];
      if (k === succ[i].length) {
        color[i] = 2;
        stack.pop();
        next.pop();
        continue;
      }
      next[next.length - 1] = k + 1;
      const j = succ[i][k];
      if (color[j] === 1) return labelOf.get(j) ?? j;
      if (color[j] === 0) {
        color[j] = 1;
        stack.push(j);
        next.push(0);
      }
    }
  }
  return undefined;
}


function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
