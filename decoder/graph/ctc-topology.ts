// T: the CTC topology transducer (frames of tokens → collapsed token string), and the CTC collapse rule it encodes.

import { EPSILON } from '../fst/fst.ts';
import { Props } from '../fst/properties.ts';
import { TropicalSemiring, type Semiring } from '../fst/semiring.ts';
import { VectorFst } from '../fst/vector-fst.ts';
import type { TokenId, TokenTable } from './tokens.ts';

/**
 * The exact CTC topology over `tokens`: it maps a frame string to its CTC collapse (`ctcCollapse`) — repeated
 * frames of one token give that token once, blanks are dropped, and a token is output twice in a row only when a
 * blank separates the two runs. Input labels are token labels (blank included), output labels non-blank token
 * labels or epsilon; all weights are one.
 *
 * States: 0 is the start ("no token pending": start of input or after a blank); state k ≥ 1 means "the last
 * frame was the k-th non-blank token". From state 0, blank loops (blank:ε) and token x goes to x's state
 * emitting x. From x's state, x loops (x:ε, the collapse of a run), blank returns to 0 (blank:ε), and any other
 * token y goes to y's state emitting y. Every state is final. There is no arc x:x from x's state: that is what
 * EESEN's ctc_token_fst.py gets wrong (its ε-arc back to the start lets "o o" read as two o's without a blank).
 *
 * The result is input-deterministic, epsilon-free on input, and its arcs are sorted by input label.
 * Size: N states and N² arcs for N tokens (841 arcs for 29 tokens); for token sets in the thousands this is large,
 * though composition with LG only ever visits the arcs that LG can match.
 * Cost: O(N²) time and memory.
 */
export function ctcTopology(tokens: TokenTable, semiring: Semiring = TropicalSemiring): VectorFst {
  const n = tokens.size;
  const blank = tokens.blank;
  const one = semiring.one;
  const fst = new VectorFst(semiring);
  const syms = tokens.symbols();
  fst.isymbols = syms;
  fst.osymbols = syms;
  fst.addStates(n);
  // stateOf[t]: the state "last frame was token t" (0 for the blank).
  const stateOf = new Int32Array(n);
  for (let t = 0, next = 1; t < n; t++) stateOf[t] = t === blank ? 0 : next++;
  fst.setStart(0);
  for (let t = -1; t < n; t++) {
    if (t === blank) continue;
    // t = -1 stands for the start state (no token pending).
    const s = t < 0 ? 0 : stateOf[t];
    fst.reserveArcs(s, n);
    for (let x = 0; x < n; x++) {
      const label = tokens.label(x);
      const out = x === blank || x === t ? EPSILON : label;
      fst.addArc(s, label, out, one, stateOf[x]);
    }
    fst.setFinal(s, one);
  }
  fst.setProperties(
    Props.NOT_ACCEPTOR | Props.I_DETERMINISTIC | Props.NO_EPSILONS | Props.NO_I_EPSILONS | Props.O_EPSILONS |
      Props.I_LABEL_SORTED | Props.UNWEIGHTED | Props.CYCLIC | Props.INITIAL_CYCLIC | Props.ACCESSIBLE |
      Props.COACCESSIBLE,
    Props.ACCEPTOR | Props.I_DETERMINISTIC | Props.EPSILONS | Props.I_EPSILONS | Props.O_EPSILONS |
      Props.I_LABEL_SORTED | Props.WEIGHTED | Props.CYCLIC | Props.INITIAL_CYCLIC | Props.ACCESSIBLE |
      Props.COACCESSIBLE,
  );
  return fst;
}

/**
 * The CTC collapse of a frame string: merge runs of equal tokens, then drop blanks. This is the rule T encodes,
 * stated plainly (the reference for tests and for greedy decoding). O(frames).
 */
export function ctcCollapse(frames: ArrayLike<TokenId>, blank: TokenId): TokenId[] {
  const out: TokenId[] = [];
  let prev = -1;
  for (let i = 0; i < frames.length; i++) {
    const t = frames[i];
    if (t !== prev && t !== blank) out.push(t);
    prev = t;
  }
  return out;
}

/**
 * The shortest frame string whose collapse is `tokens`: the tokens themselves, with a blank between two equal
 * neighbours ("b o o k" → "b o <blk> o k"). O(length).
 */
export function ctcAlignment(tokens: ArrayLike<TokenId>, blank: TokenId): TokenId[] {
  const out: TokenId[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (i > 0 && tokens[i] === tokens[i - 1]) out.push(blank);
    out.push(tokens[i]);
  }
  return out;
}
