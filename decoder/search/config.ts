// The decoder's configuration: one typed struct, its documented defaults, and the check that fills and validates it.

import { DecoderError, checkDecoderOptionKeys } from './errors.ts';

/** Search and scoring settings of the WFST decoder (Kaldi's LatticeFasterDecoderConfig, plus CTC scoring). */
export interface DecoderConfig {
  /**
   * Beam, in cost units (nats × acousticScale): tokens costlier than the frame's best by more than this are pruned.
   * Larger → slower, fewer search errors. Default 12 (Kaldi's is 16: with the trained model on the `en` graph, 12
   * and maxActive 1000 give the same real-dev WER at a third of the search time).
   */
  readonly beam: number;
  /**
   * Most tokens kept per frame; above it the cutoff tightens to the max-active-th best cost (found by quickselect)
   * and the beam adapts. Larger → slower, fewer search errors. Default 1000.
   */
  readonly maxActive: number;
  /** Fewest tokens kept per frame: below it the cutoff widens beyond the beam. Default 20. */
  readonly minActive: number;
  /** Added to the adapted beam when max-active or min-active sets the cutoff (Kaldi's beam_delta). Default 0.5. */
  readonly beamDelta: number;
  /**
   * Lattice beam, in cost units: when two hypotheses with different word histories meet in one state, the loser is
   * kept as an alternative if within this of the winner. Feeds n-best lists and confidences. 0 → no alternatives
   * (confidences are then all 1). Larger → more memory in the traceback store. Default 12.
   */
  readonly latticeBeam: number;
  /** Most alternatives kept where hypotheses meet (the winner included). Default 10. */
  readonly maxAlternatives: number;
  /** Scale on the log-probabilities before they become costs (graph costs are not scaled). Default 1. */
  readonly acousticScale: number;
  /**
   * Cost added to every frame that reads the blank (sherpa-onnx's blank_penalty): > 0 favours emitting tokens,
   * counters models that over-predict blank. In cost units. Default 0.
   */
  readonly blankPenalty: number;
  /**
   * Log label priors, one per token: when set, frame costs are −acousticScale·(log p(k|x) − priorScale·log prior(k)),
   * EESEN's division of posteriors by priors (scaled likelihoods). Default null (posteriors used as they are).
   */
  readonly labelLogPriors: Float32Array | null;
  /** Exponent of the priors in that division. Used only with `labelLogPriors`. Default 1. */
  readonly priorScale: number;
  /**
   * Blank skipping (Chen et al., phone-synchronous decoding): a frame whose blank probability is at least this is
   * not searched, except the first of a run of such frames (so that a repeated token stays two tokens). Its blank
   * cost is charged to every hypothesis alike. In (0, 1]; null → off. Lower → faster, more risk of errors.
   * Default null.
   */
  readonly blankSkipThreshold: number | null;
  /** Frame shift of the acoustic model's output, in milliseconds (converts frames to seconds). Default 20. */
  readonly frameShiftMs: number;
  /**
   * Every this many frames of an utterance the traceback store is garbage-collected and the prefix shared by all
   * surviving hypotheses is committed (it becomes the stable part of partial results). Smaller → less memory,
   * more frequent sweeps. Default 25.
   */
  readonly gcIntervalFrames: number;
  /**
   * Memory bound of the traceback store, in links (24 bytes each): when a collection leaves more than this many
   * alive and the hypotheses have not all met, the alternatives around the point where their best paths meet are
   * dropped and that prefix is committed (its confidences then ignore those alternatives). Between collections the
   * store holds up to about three times what the last one left. Default 131072 (≈ 3 MiB).
   */
  readonly maxTracebackLinks: number;
  /**
   * Distinct word sequences of a committed segment used to compute word confidences (n-best posteriors). Larger →
   * smoother confidences, more work at each commit. Default 10.
   */
  readonly confidenceNbest: number;
  /** Scale on path costs when they become posteriors (e^(−scale·cost), normalised over the n-best). Default 0.5. */
  readonly confidenceScale: number;
  /**
   * "No match" threshold: an utterance whose best graph path costs more than the unconstrained best path (the
   * per-frame best tokens) by more than this per speech frame, in cost units, is reported as NO_MATCH (the grammar
   * cannot account for the audio). Default 1.5.
   */
  readonly noMatchCostPerFrame: number;
}

/** Partial config accepted by `decoderConfig`; unknown keys are rejected. */
export type DecoderOptions = Partial<DecoderConfig>;

/** The defaults, each documented on `DecoderConfig`. */
export const DEFAULT_DECODER_CONFIG: DecoderConfig = Object.freeze({
  beam: 12,
  maxActive: 1000,
  minActive: 20,
  beamDelta: 0.5,
  latticeBeam: 12,
  maxAlternatives: 10,
  acousticScale: 1,
  blankPenalty: 0,
  labelLogPriors: null,
  priorScale: 1,
  blankSkipThreshold: null,
  frameShiftMs: 20,
  gcIntervalFrames: 25,
  maxTracebackLinks: 131072,
  confidenceNbest: 10,
  confidenceScale: 0.5,
  noMatchCostPerFrame: 1.5,
});

const KEYS = Object.keys(DEFAULT_DECODER_CONFIG);

function bad(option: string, value: unknown, why: string): never {
  throw new DecoderError('DECODER_OPTION', `decoder option ${option}: ${why}`, { option, value });
}

function positive(o: Record<string, unknown>, k: string): void {
  const v = o[k];
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) bad(k, v, 'must be a positive finite number');
}
function nonNegative(o: Record<string, unknown>, k: string): void {
  const v = o[k];
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) bad(k, v, 'must be a finite number ≥ 0');
}
function integerAtLeast(o: Record<string, unknown>, k: string, min: number): void {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) bad(k, v, `must be an integer ≥ ${min}`);
}

/**
 * The effective config: `opts` over the defaults, validated (Kaldi's Check()). Throws DECODER_OPTION
 * (details.option, value) for an unknown key or a bad value. The result is frozen. O(1) (O(tokens) with priors).
 */
export function decoderConfig(opts: DecoderOptions = {}): DecoderConfig {
  checkDecoderOptionKeys(opts, KEYS, 'decoder');
  const c: Record<string, unknown> = { ...DEFAULT_DECODER_CONFIG };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) c[k] = v;
  positive(c, 'beam');
  integerAtLeast(c, 'maxActive', 1);
  integerAtLeast(c, 'minActive', 0);
  if ((c.minActive as number) > (c.maxActive as number)) bad('minActive', c.minActive, 'must not exceed maxActive');
  nonNegative(c, 'beamDelta');
  nonNegative(c, 'latticeBeam');
  integerAtLeast(c, 'maxAlternatives', 2);
  positive(c, 'acousticScale');
  if (typeof c.blankPenalty !== 'number' || !Number.isFinite(c.blankPenalty)) bad('blankPenalty', c.blankPenalty, 'must be finite');
  const pri = c.labelLogPriors;
  if (pri !== null) {
    if (!(pri instanceof Float32Array) || pri.length === 0) bad('labelLogPriors', pri, 'must be a non-empty Float32Array or null');
    for (let i = 0; i < pri.length; i++) {
      if (!Number.isFinite(pri[i]) || pri[i] > 0) bad('labelLogPriors', pri[i], `entry ${i} must be a finite log-probability`);
    }
  }
  nonNegative(c, 'priorScale');
  const skip = c.blankSkipThreshold;
  if (skip !== null && (typeof skip !== 'number' || !(skip > 0 && skip <= 1))) {
    bad('blankSkipThreshold', skip, 'must be a probability in (0, 1] or null');
  }
  positive(c, 'frameShiftMs');
  integerAtLeast(c, 'gcIntervalFrames', 1);
  integerAtLeast(c, 'maxTracebackLinks', 16);
  integerAtLeast(c, 'confidenceNbest', 1);
  nonNegative(c, 'confidenceScale');
  positive(c, 'noMatchCostPerFrame');
  return Object.freeze(c) as unknown as DecoderConfig;
}

/** The config as plain JSON for a start-up log line (priors summarised by their count). */
export function describeDecoderConfig(c: DecoderConfig): Record<string, unknown> {
  return { ...c, labelLogPriors: c.labelLogPriors === null ? null : `${c.labelLogPriors.length} log-priors` };
}
