// Synthetic CTC posteriors from a known transcript (peaky, noisy), for tests, benchmarks and debugging without a model.

import { NO_TOKEN, type TokenId, type TokenTable } from '../graph/tokens.ts';

/** How the frames are laid out and how noisy they are. Ranges are [min, max], inclusive, drawn uniformly. */
export interface SyntheticOptions {
  /** Seed of the generator (same seed, same output). Default 1. */
  seed?: number;
  /** Frames of each character's spike. Default [1, 2]. */
  charFrames?: readonly [number, number];
  /** Blank frames between two characters of a word (at least 1 between equal characters). Default [0, 3]. */
  gapFrames?: readonly [number, number];
  /** Blank frames on each side of the space between words. Default [2, 5]. */
  wordGapFrames?: readonly [number, number];
  /** Blank frames before the first and after the last word. Default 8. */
  edgeFrames?: number;
  /**
   * Probability of the intended character on its frames, drawn so that 1 − p is log-uniform (most spikes sharp, a
   * few doubtful, as CTC models output). Default [0.5, 0.99].
   */
  peak?: readonly [number, number];
  /** Probability of the blank on blank frames, drawn the same way. Default [0.85, 0.9999]. */
  blankPeak?: readonly [number, number];
  /** Chance that a character frame gives most of its mass to another random letter (a substitution). Default 0.04. */
  confusion?: number;
  /** Other tokens sharing the remaining mass of each frame. Default 3. */
  competitors?: number;
  /** Emit the space token between words (when the table has one). Default true. */
  spaces?: boolean;
}

/** Synthetic log-posteriors and where each word really is. */
export interface SyntheticUtterance {
  /** [numFrames × numTokens] row-major natural-log probabilities; each row sums to 1 in probability. */
  logProbs: Float32Array;
  numFrames: number;
  numTokens: number;
  /** The intended token of each frame. */
  frameTokens: Int32Array;
  /** Each word with its first character's first frame and its last character's last frame. */
  words: { word: string; startFrame: number; endFrame: number }[];
}

/** mulberry32: small, fast, seedable. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Frames for `text` (space-separated words, each spelled by `tokens.spell`): per word, each character's spike of
 * 1–2 frames separated by blanks, the space token between words with blanks around it, blanks at both ends — about
 * 15 characters a second and 60 % blank frames at 20 ms, as a character CTC model reads ordinary speech. Each
 * frame gives its intended token a probability drawn from `peak` (or `blankPeak`), shares the rest among a few random
 * tokens (1 − p log-uniform: mostly sharp spikes, some doubtful frames), and with probability `confusion` hands a character frame's peak to another letter. Every token keeps a
 * floor of 1e-7 so that no log-probability is infinite. Throws Error for a word the tokens cannot spell.
 * Cost: O(frames × tokens).
 */
export function synthesizePosteriors(text: string, tokens: TokenTable, opts: SyntheticOptions = {}): SyntheticUtterance {
  const rand = rng(opts.seed ?? 1);
  const between = (r: readonly [number, number]) => r[0] + Math.floor(rand() * (r[1] - r[0] + 1));
  // 1 − p log-uniform between 1 − r[1] and 1 − r[0].
  const peaked = (r: readonly [number, number]) => {
    const lo = Math.log(Math.max(1e-9, 1 - r[1]));
    const hi = Math.log(Math.max(1e-9, 1 - r[0]));
    return 1 - Math.exp(lo + rand() * (hi - lo));
  };
  const charFrames = opts.charFrames ?? [1, 2];
  const gapFrames = opts.gapFrames ?? [0, 3];
  const wordGap = opts.wordGapFrames ?? [2, 5];
  const edge = opts.edgeFrames ?? 8;
  const peak = opts.peak ?? [0.5, 0.99];
  const blankPeak = opts.blankPeak ?? [0.85, 0.9999];
  const confusion = opts.confusion ?? 0.04;
  const competitors = opts.competitors ?? 3;
  const useSpace = (opts.spaces ?? true) && tokens.space !== NO_TOKEN;
  const blank = tokens.blank;
  const V = tokens.size;
  const letters: TokenId[] = [];
  for (let t = 0; t < V; t++) if (t !== blank && t !== tokens.space) letters.push(t);

  const seq: TokenId[] = [];
  const words: SyntheticUtterance['words'] = [];
  const pushRun = (tok: TokenId, n: number) => {
    for (let i = 0; i < n; i++) seq.push(tok);
  };
  pushRun(blank, edge);
  const ws = text.split(/\s+/).filter((w) => w !== '');
  ws.forEach((word, wi) => {
    if (wi > 0) {
      pushRun(blank, between(wordGap));
      if (useSpace) pushRun(tokens.space, 1);
      pushRun(blank, between(wordGap));
    }
    const sp = tokens.spell(word);
    if ('missing' in sp) throw new Error(`synthesizePosteriors: cannot spell "${word}" (missing ${sp.missing})`);
    let start = -1;
    sp.tokens.forEach((tok, ci) => {
      if (ci > 0) {
        const g = between(gapFrames);
        pushRun(blank, tok === sp.tokens[ci - 1] ? Math.max(1, g) : g);
      }
      if (start < 0) start = seq.length;
      pushRun(tok, between(charFrames));
    });
    words.push({ word, startFrame: start, endFrame: seq.length - 1 });
  });
  pushRun(blank, edge);

  const T = seq.length;
  const logProbs = new Float32Array(T * V);
  const row = new Float64Array(V);
  const floor = 1e-7;
  for (let t = 0; t < T; t++) {
    const want = seq[t];
    let top = want;
    const p = want === blank ? peaked(blankPeak) : peaked(peak);
    if (want !== blank && rand() < confusion) {
      top = letters[Math.floor(rand() * letters.length)];
      // The intended token keeps a share: the search can still recover it with help from the graph.
      row.fill(0);
      row[top] = p * 0.6;
      row[want] = p * 0.4;
    } else {
      row.fill(0);
      row[top] = p;
    }
    let rest = 1 - p;
    for (let c = 0; c < competitors; c++) {
      const k = rand() < 0.3 ? blank : letters[Math.floor(rand() * letters.length)];
      const share = c === competitors - 1 ? rest : rest * rand();
      row[k] += share;
      rest -= share;
    }
    let z = 0;
    for (let k = 0; k < V; k++) {
      row[k] += floor;
      z += row[k];
    }
    for (let k = 0; k < V; k++) logProbs[t * V + k] = Math.log(row[k] / z);
  }
  return { logProbs, numFrames: T, numTokens: V, frameTokens: Int32Array.from(seq), words };
}
