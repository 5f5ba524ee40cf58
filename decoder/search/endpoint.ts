// Endpointing: Kaldi's rules on trailing non-speech and utterance length, as a config and one pure function.

import { DecoderError, checkDecoderOptionKeys } from './errors.ts';

/**
 * One rule (Kaldi's OnlineEndpointRule). It fires when all its conditions hold; an utterance ends when any rule
 * fires.
 */
export interface EndpointRule {
  /** Fire only if the best path has read some speech (a token other than blank and space). */
  readonly mustContainSpeech: boolean;
  /** Trailing non-speech on the best path (frames of blank or space since its last speech token), seconds, ≥. */
  readonly minTrailingSilenceSec: number;
  /**
   * Cost of the best hypothesis in a final state of the graph above the best hypothesis, ≤ (∞: any, even when no
   * final state is reached). Small → fire only where the grammar could end.
   */
  readonly maxRelativeCost: number;
  /** Utterance length, seconds, ≥ (with minTrailingSilenceSec 0 this is a maximum utterance length). */
  readonly minUtteranceSec: number;
}

/** Endpointing settings of a stream. */
export interface EndpointConfig {
  /** Detect endpoints at all. Off → an utterance lasts until the stream is finished. Default true. */
  readonly enabled: boolean;
  /**
   * The rules, Kaldi's defaults: (1) 5 s of non-speech even with nothing said; (2) 0.5 s after speech where the
   * grammar can end (relative cost ≤ 2); (3) 1 s after speech, relative cost ≤ 8; (4) 2 s after speech, anywhere;
   * (5) utterances of 20 s.
   */
  readonly rules: readonly EndpointRule[];
}

export type EndpointOptions = { enabled?: boolean; rules?: readonly Partial<EndpointRule>[] };

const RULE_DEFAULT: EndpointRule = Object.freeze({
  mustContainSpeech: false,
  minTrailingSilenceSec: 0,
  maxRelativeCost: Infinity,
  minUtteranceSec: 0,
});

/** The defaults, documented on `EndpointConfig`. */
export const DEFAULT_ENDPOINT_CONFIG: EndpointConfig = Object.freeze({
  enabled: true,
  rules: Object.freeze([
    Object.freeze({ mustContainSpeech: false, minTrailingSilenceSec: 5, maxRelativeCost: Infinity, minUtteranceSec: 0 }),
    Object.freeze({ mustContainSpeech: true, minTrailingSilenceSec: 0.5, maxRelativeCost: 2, minUtteranceSec: 0 }),
    Object.freeze({ mustContainSpeech: true, minTrailingSilenceSec: 1, maxRelativeCost: 8, minUtteranceSec: 0 }),
    Object.freeze({ mustContainSpeech: true, minTrailingSilenceSec: 2, maxRelativeCost: Infinity, minUtteranceSec: 0 }),
    Object.freeze({ mustContainSpeech: false, minTrailingSilenceSec: 0, maxRelativeCost: Infinity, minUtteranceSec: 20 }),
  ]),
});

/** What the rules look at, computed by a decoder from its best hypothesis after a frame. */
export interface EndpointInput {
  /** Frames of the utterance decoded so far. */
  utteranceFrames: number;
  /** Frames since the best path last read speech (all of them if it never did). */
  trailingSilenceFrames: number;
  containsSpeech: boolean;
  /** See `EndpointRule.maxRelativeCost` (∞ when no final state is reached; 0 for graph-free decoding). */
  relativeCost: number;
  frameShiftMs: number;
}

/** A blank `EndpointInput`, for decoders to fill (one per stream, reused every frame). */
export function newEndpointInput(): EndpointInput {
  return { utteranceFrames: 0, trailingSilenceFrames: 0, containsSpeech: false, relativeCost: Infinity, frameShiftMs: 20 };
}

/**
 * The effective endpoint config: `opts` over the defaults (a given `rules` list replaces the default list; each
 * rule's missing fields are the neutral ones: false, 0, ∞, 0). Throws DECODER_OPTION for unknown keys or bad values.
 */
export function endpointConfig(opts: EndpointOptions = {}): EndpointConfig {
  checkDecoderOptionKeys(opts, ['enabled', 'rules'], 'endpoint');
  const enabled = opts.enabled ?? DEFAULT_ENDPOINT_CONFIG.enabled;
  if (typeof enabled !== 'boolean') throw new DecoderError('DECODER_OPTION', 'endpoint.enabled must be a boolean', { option: 'enabled', value: enabled });
  if (opts.rules !== undefined && !Array.isArray(opts.rules)) {
    throw new DecoderError('DECODER_OPTION', 'endpoint.rules must be an array', { option: 'rules', value: opts.rules });
  }
  const rules = (opts.rules ?? DEFAULT_ENDPOINT_CONFIG.rules).map((r, i) => {
    checkDecoderOptionKeys(r, Object.keys(RULE_DEFAULT), `endpoint rule ${i}`);
    const rule = { ...RULE_DEFAULT, ...r };
    const bad = (option: string, value: unknown) => {
      throw new DecoderError('DECODER_OPTION', `endpoint rule ${i}: bad ${option}`, { option, value, rule: i });
    };
    if (typeof rule.mustContainSpeech !== 'boolean') bad('mustContainSpeech', rule.mustContainSpeech);
    if (!(rule.minTrailingSilenceSec >= 0 && Number.isFinite(rule.minTrailingSilenceSec))) bad('minTrailingSilenceSec', rule.minTrailingSilenceSec);
    if (!(rule.maxRelativeCost >= 0)) bad('maxRelativeCost', rule.maxRelativeCost);
    if (!(rule.minUtteranceSec >= 0 && Number.isFinite(rule.minUtteranceSec))) bad('minUtteranceSec', rule.minUtteranceSec);
    return Object.freeze(rule);
  });
  return Object.freeze({ enabled, rules: Object.freeze(rules) });
}

/**
 * The index of the first rule that fires, or −1. Pure; O(rules). A rule fires when the best path holds speech (or
 * the rule does not ask for it), the trailing non-speech and the utterance are long enough, and the relative cost
 * is small enough.
 */
export function detectEndpoint(config: EndpointConfig, input: EndpointInput): number {
  if (!config.enabled) return -1;
  const sec = input.frameShiftMs / 1000;
  const trailing = input.trailingSilenceFrames * sec;
  const length = input.utteranceFrames * sec;
  // Half a frame of slack: frame counts times a shift are not exact in binary floating point.
  const eps = sec / 2;
  for (let i = 0; i < config.rules.length; i++) {
    const r = config.rules[i];
    if (r.mustContainSpeech && !input.containsSpeech) continue;
    if (trailing + eps < r.minTrailingSilenceSec) continue;
    if (input.relativeCost > r.maxRelativeCost) continue;
    if (length + eps < r.minUtteranceSec) continue;
    return i;
  }
  return -1;
}
