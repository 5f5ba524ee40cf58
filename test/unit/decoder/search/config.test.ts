// Decoder and endpoint configs: documented defaults, validation with codes, frozen results.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DECODER_CONFIG, decoderConfig, describeDecoderConfig } from '../../../../decoder/search/config.ts';
import { DEFAULT_ENDPOINT_CONFIG, detectEndpoint, endpointConfig, type EndpointInput } from '../../../../decoder/search/endpoint.ts';
import { DECODER_ERROR_CODES, DECODER_ERROR_STATUS, DecoderError } from '../../../../decoder/search/errors.ts';

function codeIs(code: string, option?: string) {
  return (e: unknown) => e instanceof DecoderError && e.code === code && (option === undefined || e.details.option === option);
}

test('the defaults are valid, frozen, and filled in for missing keys', () => {
  const c = decoderConfig();
  assert.deepEqual(c, DEFAULT_DECODER_CONFIG);
  assert.ok(Object.isFrozen(c));
  assert.equal(decoderConfig({ beam: 10 }).beam, 10);
  assert.equal(decoderConfig({ beam: undefined }).beam, DEFAULT_DECODER_CONFIG.beam);
  assert.equal(describeDecoderConfig(decoderConfig({ labelLogPriors: new Float32Array([-1, -2]) })).labelLogPriors, '2 log-priors');
});

test('unknown keys and bad values are DECODER_OPTION naming the option', () => {
  assert.throws(() => decoderConfig({ bean: 3 } as never), codeIs('DECODER_OPTION', 'bean'));
  const bad: [string, unknown][] = [
    ['beam', 0], ['beam', Infinity], ['beam', '16'], ['maxActive', 0], ['maxActive', 2.5], ['minActive', -1],
    ['latticeBeam', -1], ['maxAlternatives', 1], ['acousticScale', 0], ['blankPenalty', NaN], ['labelLogPriors', [0]],
    ['labelLogPriors', new Float32Array([0.5])], ['priorScale', -1], ['blankSkipThreshold', 0], ['blankSkipThreshold', 1.5],
    ['frameShiftMs', 0], ['gcIntervalFrames', 0], ['confidenceNbest', 0], ['confidenceScale', -1], ['noMatchCostPerFrame', 0],
  ];
  for (const [option, value] of bad) assert.throws(() => decoderConfig({ [option]: value }), codeIs('DECODER_OPTION', option), `${option}=${String(value)}`);
  assert.throws(() => decoderConfig({ minActive: 50, maxActive: 10 }), codeIs('DECODER_OPTION', 'minActive'));
});

test('every error code has a transport status', () => {
  for (const code of Object.keys(DECODER_ERROR_CODES)) {
    const s = DECODER_ERROR_STATUS[code as keyof typeof DECODER_ERROR_CODES];
    assert.ok(s.http >= 400 && s.wsClose >= 1000, code);
  }
});

const input = (o: Partial<EndpointInput>): EndpointInput => ({
  utteranceFrames: 100,
  trailingSilenceFrames: 0,
  containsSpeech: true,
  relativeCost: 0,
  frameShiftMs: 20,
  ...o,
});

test("endpoint rules fire as Kaldi's: trailing silence with and without speech, relative cost, utterance length", () => {
  const c = endpointConfig();
  assert.deepEqual(c, DEFAULT_ENDPOINT_CONFIG);
  assert.equal(detectEndpoint(c, input({ trailingSilenceFrames: 10 })), -1);
  assert.equal(detectEndpoint(c, input({ trailingSilenceFrames: 25 })), 1);
  assert.equal(detectEndpoint(c, input({ trailingSilenceFrames: 25, relativeCost: 5 })), -1);
  assert.equal(detectEndpoint(c, input({ trailingSilenceFrames: 50, relativeCost: 5 })), 2);
  assert.equal(detectEndpoint(c, input({ trailingSilenceFrames: 100, relativeCost: Infinity })), 3);
  assert.equal(detectEndpoint(c, input({ trailingSilenceFrames: 200, containsSpeech: false, utteranceFrames: 200 })), -1);
  assert.equal(detectEndpoint(c, input({ trailingSilenceFrames: 250, containsSpeech: false, utteranceFrames: 250 })), 0);
  assert.equal(detectEndpoint(c, input({ utteranceFrames: 1000 })), 4);
  assert.equal(detectEndpoint(endpointConfig({ enabled: false }), input({ utteranceFrames: 1000 })), -1);
  const custom = endpointConfig({ rules: [{ minTrailingSilenceSec: 0.3 }] });
  assert.equal(detectEndpoint(custom, input({ trailingSilenceFrames: 15, containsSpeech: false })), 0);
  assert.equal(custom.rules[0].maxRelativeCost, Infinity);
});

test('endpoint options are validated', () => {
  assert.throws(() => endpointConfig({ rules: [{ minTrailingSilenceSec: NaN }] }), codeIs('DECODER_OPTION', 'minTrailingSilenceSec'));
  assert.throws(() => endpointConfig({ rules: [{ mustContainSpeech: 1 as never }] }), codeIs('DECODER_OPTION', 'mustContainSpeech'));
  assert.throws(() => endpointConfig({ rules: [{ minUtteranceSec: -2 }] }), codeIs('DECODER_OPTION', 'minUtteranceSec'));
  assert.throws(() => endpointConfig({ rules: [{ maxRelativeCost: -1 }] }), codeIs('DECODER_OPTION', 'maxRelativeCost'));
  assert.throws(() => endpointConfig({ rules: [{ other: 1 } as never] }), codeIs('DECODER_OPTION', 'other'));
  assert.throws(() => endpointConfig({ rules: 'x' as never }), codeIs('DECODER_OPTION', 'rules'));
  assert.throws(() => endpointConfig({ enabled: 'yes' as never }), codeIs('DECODER_OPTION', 'enabled'));
});
