// The model card (model.json): the contract between an exported ONNX acoustic model and this runtime.

import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { ModelError } from './errors.ts';

/** Card format major versions this runtime reads. A card's `version` is semver "MAJOR.MINOR.PATCH". */
export const SUPPORTED_CARD_MAJOR_VERSIONS: readonly number[] = Object.freeze([1]);

/** Element types a state tensor may have. */
export type StateDType = 'float32';

/** One recurrent state tensor: fed as `name`, returned as `outputName`, zeros at the start of a stream. */
export interface StateSpec {
  name: string;
  outputName: string;
  /** Dimensions, with the string "batch" at `batchAxis` and positive integers elsewhere. */
  shape: ReadonlyArray<number | 'batch'>;
  batchAxis: number;
  dtype: StateDType;
}

/** A described input or output tensor (informational; the ONNX graph is checked against the card's states). */
export interface TensorSpec {
  dtype: string;
  shape: ReadonlyArray<number | string>;
  description?: string;
}

/** A validated model card. Fields as written by models/training/export.py; see models/training/CONTRACT.md. */
export interface ModelCard {
  name: string;
  /** Card format version, semver; the major version must be in SUPPORTED_CARD_MAJOR_VERSIONS. */
  version: string;
  /** The ONNX file, relative to the card's folder. */
  file: string;
  /** Input sample rate, Hz. */
  sampleRate: number;
  /** Token names by token id (the output vector's order). */
  tokens: readonly string[];
  /** Token id of the CTC blank. */
  blank: number;
  /** Token id of the word separator, or null if the model has none. */
  space: number | null;
  /** Input samples per output frame (320 = 20 ms at 16 kHz). */
  frameShiftSamples: number;
  /** Every run's `samples` must be a multiple of this; a multiple of frameShiftSamples. */
  chunkMultipleSamples: number;
  /** Chunk durations the model was checked with, ms; the first is the runtime's default. */
  recommendedChunkMs: readonly number[];
  /** Model output frame k describes audio frame k − delayFrames; the runtime drops the first delayFrames. */
  delayFrames: number;
  /** Zeros fed at end of stream to push out the last real frames (≥ delayFrames × frameShiftSamples). */
  flushSamples: number;
  /** Future frames the model looks at (informational; delayFrames is what the runtime uses). */
  lookaheadFrames: number;
  inputs: Readonly<Record<string, TensorSpec>>;
  outputs: Readonly<Record<string, TensorSpec>>;
  states: readonly StateSpec[];
  /** Operating modes, e.g. ["streaming"]; this runtime needs "streaming". */
  modes: readonly string[];
  /** Parameter count. */
  parameters: number;
  training: Readonly<Record<string, unknown>>;
  metrics: Readonly<Record<string, unknown>>;
  /** Fields this runtime does not interpret (e.g. architecture, opset), kept verbatim for display. */
  extra: Readonly<Record<string, unknown>>;
}

/** A card with the paths it was read from. */
export interface LoadedModelCard {
  card: ModelCard;
  /** Absolute path of model.json. */
  cardPath: string;
  /** Absolute path of the ONNX file the card names. */
  modelPath: string;
}

/** The name of the input that carries audio and of the output that carries log-probabilities. */
export const PCM_INPUT = 'pcm';
export const LOGPROBS_OUTPUT = 'logprobs';

const KNOWN_FIELDS = [
  'name', 'version', 'file', 'sampleRate', 'tokens', 'blank', 'space', 'frameShiftSamples', 'chunkMultipleSamples',
  'recommendedChunkMs', 'delayFrames', 'flushSamples', 'lookaheadFrames', 'inputs', 'outputs', 'states', 'modes',
  'parameters', 'training', 'metrics',
];

function invalid(field: string, value: unknown, reason: string): ModelError {
  return new ModelError('MODEL_CARD_INVALID', `model card: ${field || '(root)'} ${reason}`, { field, value, reason });
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function req(o: Obj, field: string): unknown {
  if (!Object.hasOwn(o, field)) throw invalid(field, undefined, 'is missing');
  return o[field];
}
function str(o: Obj, field: string): string {
  const v = req(o, field);
  if (typeof v !== 'string' || v === '') throw invalid(field, v, 'must be a non-empty string');
  return v;
}
function int(o: Obj, field: string, min: number, path = field): number {
  const v = req(o, field);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw invalid(path, v, `must be an integer ≥ ${min}`);
  return v;
}
function obj(o: Obj, field: string): Obj {
  const v = req(o, field);
  if (!isObj(v)) throw invalid(field, v, 'must be an object');
  return v;
}
function strings(o: Obj, field: string, minLength: number): string[] {
  const v = req(o, field);
  if (!Array.isArray(v) || v.length < minLength) throw invalid(field, v, `must be an array of ≥ ${minLength} strings`);
  v.forEach((s, i) => {
    if (typeof s !== 'string' || s === '') throw invalid(`${field}[${i}]`, s, 'must be a non-empty string');
  });
  return v as string[];
}

function tensorSpecs(o: Obj, field: string, required: string): Record<string, TensorSpec> {
  const v = obj(o, field);
  if (!isObj(v[required])) throw invalid(`${field}.${required}`, v[required], 'is missing');
  const out: Record<string, TensorSpec> = {};
  for (const [name, spec] of Object.entries(v)) {
    if (!isObj(spec)) throw invalid(`${field}.${name}`, spec, 'must be an object');
    if (spec.dtype !== 'float32') throw invalid(`${field}.${name}.dtype`, spec.dtype, 'must be "float32"');
    if (!Array.isArray(spec.shape)) throw invalid(`${field}.${name}.shape`, spec.shape, 'must be an array');
    out[name] = spec as unknown as TensorSpec;
  }
  return out;
}

function stateSpecs(o: Obj): StateSpec[] {
  const v = req(o, 'states');
  if (!Array.isArray(v)) throw invalid('states', v, 'must be an array');
  const names = new Set<string>([PCM_INPUT]);
  const outputs = new Set<string>([LOGPROBS_OUTPUT]);
  return v.map((s: unknown, i): StateSpec => {
    const at = `states[${i}]`;
    if (!isObj(s)) throw invalid(at, s, 'must be an object');
    const name = s.name;
    if (typeof name !== 'string' || name === '') throw invalid(`${at}.name`, name, 'must be a non-empty string');
    if (names.has(name)) throw invalid(`${at}.name`, name, 'repeats another input name');
    names.add(name);
    const outputName = s.outputName;
    if (typeof outputName !== 'string' || outputName === '') {
      throw invalid(`${at}.outputName`, outputName, 'must be a non-empty string');
    }
    if (outputs.has(outputName)) throw invalid(`${at}.outputName`, outputName, 'repeats another output name');
    outputs.add(outputName);
    const shape = s.shape;
    if (!Array.isArray(shape) || shape.length === 0) throw invalid(`${at}.shape`, shape, 'must be a non-empty array');
    let batchAt = -1;
    shape.forEach((d: unknown, k) => {
      if (d === 'batch') {
        if (batchAt >= 0) throw invalid(`${at}.shape`, shape, 'has "batch" twice');
        batchAt = k;
      } else if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) {
        throw invalid(`${at}.shape[${k}]`, d, 'must be a positive integer or "batch"');
      }
    });
    if (batchAt < 0) throw invalid(`${at}.shape`, shape, 'has no "batch" axis');
    const batchAxis = int(s, 'batchAxis', 0, `${at}.batchAxis`);
    if (batchAxis !== batchAt) throw invalid(`${at}.batchAxis`, batchAxis, `must be ${batchAt}, where shape says "batch"`);
    if (s.dtype !== 'float32') throw invalid(`${at}.dtype`, s.dtype, 'must be "float32" (the only state type supported)');
    if (s.initial !== undefined && s.initial !== 'zeros') throw invalid(`${at}.initial`, s.initial, 'must be "zeros"');
    return { name, outputName, shape: shape as Array<number | 'batch'>, batchAxis, dtype: 'float32' };
  });
}

/**
 * Validates a parsed model.json. Throws MODEL_CARD_VERSION for a format major version we do not read, and
 * MODEL_CARD_INVALID naming the first bad field (`details.field`, e.g. "states[1].batchAxis"). Fields outside the
 * schema are kept in `extra` rather than rejected: a minor version may add informational fields.
 */
export function parseModelCard(json: unknown): ModelCard {
  if (!isObj(json)) throw invalid('', json, 'must be a JSON object');
  const version = str(json, 'version');
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (m === null) throw invalid('version', version, 'must be semver "MAJOR.MINOR.PATCH"');
  if (!SUPPORTED_CARD_MAJOR_VERSIONS.includes(Number(m[1]))) {
    throw new ModelError('MODEL_CARD_VERSION', `model card version ${version} is not supported`, {
      version,
      supported: SUPPORTED_CARD_MAJOR_VERSIONS.map((v) => `${v}.x.x`),
    });
  }
  const name = str(json, 'name');
  const file = str(json, 'file');
  if (isAbsolute(file) || normalize(file).split(/[\\/]/).includes('..')) {
    throw invalid('file', file, 'must be a path inside the card\'s folder');
  }
  const sampleRate = int(json, 'sampleRate', 1);
  const tokens = strings(json, 'tokens', 2);
  if (new Set(tokens).size !== tokens.length) throw invalid('tokens', tokens, 'must be unique');
  const blank = int(json, 'blank', 0);
  if (blank >= tokens.length) throw invalid('blank', blank, `must be a token id < ${tokens.length}`);
  const spaceRaw = req(json, 'space');
  let space: number | null = null;
  if (spaceRaw !== null) {
    space = int(json, 'space', 0);
    if (space >= tokens.length || space === blank) throw invalid('space', space, 'must be a token id other than blank, or null');
  }
  const frameShiftSamples = int(json, 'frameShiftSamples', 1);
  const chunkMultipleSamples = int(json, 'chunkMultipleSamples', 1);
  if (chunkMultipleSamples % frameShiftSamples !== 0) {
    throw invalid('chunkMultipleSamples', chunkMultipleSamples, `must be a multiple of frameShiftSamples (${frameShiftSamples})`);
  }
  const rec = req(json, 'recommendedChunkMs');
  if (!Array.isArray(rec) || rec.length === 0) throw invalid('recommendedChunkMs', rec, 'must be a non-empty array');
  rec.forEach((ms: unknown, i) => {
    const samples = typeof ms === 'number' ? (ms * sampleRate) / 1000 : NaN;
    if (!(typeof ms === 'number' && ms > 0 && Number.isInteger(samples) && samples % chunkMultipleSamples === 0)) {
      throw invalid(`recommendedChunkMs[${i}]`, ms, `must be > 0 ms and a whole multiple of ${chunkMultipleSamples} samples`);
    }
  });
  const delayFrames = int(json, 'delayFrames', 0);
  const flushSamples = int(json, 'flushSamples', 0);
  if (flushSamples < delayFrames * frameShiftSamples || flushSamples % frameShiftSamples !== 0) {
    throw invalid('flushSamples', flushSamples, `must be a multiple of ${frameShiftSamples} and ≥ delayFrames × frameShiftSamples`);
  }
  const lookaheadFrames = int(json, 'lookaheadFrames', 0);
  const inputs = tensorSpecs(json, 'inputs', PCM_INPUT);
  const outputs = tensorSpecs(json, 'outputs', LOGPROBS_OUTPUT);
  const states = stateSpecs(json);
  const modes = strings(json, 'modes', 1);
  if (!modes.includes('streaming')) throw invalid('modes', modes, 'must include "streaming"');
  const parameters = int(json, 'parameters', 0);
  const training = obj(json, 'training');
  const metrics = obj(json, 'metrics');
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) if (!KNOWN_FIELDS.includes(k)) extra[k] = v;
  return {
    name, version, file, sampleRate, tokens, blank, space, frameShiftSamples, chunkMultipleSamples,
    recommendedChunkMs: rec as number[], delayFrames, flushSamples, lookaheadFrames, inputs, outputs, states, modes,
    parameters, training, metrics, extra,
  };
}

/**
 * Reads and validates a card. `path` is a model folder (its model.json is read) or a card file. Throws MODEL_IO
 * when the card or the ONNX file it names cannot be read, MODEL_CARD_INVALID for JSON syntax errors and bad
 * fields, MODEL_CARD_VERSION for an unsupported version.
 */
export function loadModelCard(path: string): LoadedModelCard {
  let cardPath = resolve(path);
  try {
    if (statSync(cardPath).isDirectory()) cardPath = join(cardPath, 'model.json');
  } catch (e) {
    throw new ModelError('MODEL_IO', `cannot read model card ${cardPath}`, { path: cardPath, cause: String(e) });
  }
  let text: string;
  try {
    text = readFileSync(cardPath, 'utf8');
  } catch (e) {
    throw new ModelError('MODEL_IO', `cannot read model card ${cardPath}`, { path: cardPath, cause: String(e) });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalid('', undefined, `is not valid JSON (${(e as Error).message})`);
  }
  const card = parseModelCard(json);
  const dir = dirname(cardPath);
  const modelPath = resolve(dir, card.file);
  if (!modelPath.startsWith(dir + sep)) throw invalid('file', card.file, 'must be a path inside the card\'s folder');
  try {
    if (!statSync(modelPath).isFile()) throw new Error('not a file');
  } catch (e) {
    throw new ModelError('MODEL_IO', `model file ${modelPath} named by ${cardPath} is missing`, {
      path: modelPath,
      cause: String(e),
    });
  }
  return { card, cardPath, modelPath };
}

/** Number of elements of one stream's slice of a state (the product of its non-batch dimensions). */
export function stateSizePerStream(s: StateSpec): number {
  let n = 1;
  for (const d of s.shape) if (d !== 'batch') n *= d;
  return n;
}
