// Real decoder inputs for benchmarks: log-probabilities of recorded speech from the acoustic model, and the engine's
// own recognizers (its decoder settings, the model card's recommendations included) to decode them.
//
// Everything is computed from the model folder as it is now, so a retrained model gives fresh numbers. The model
// runs here untimed; the benchmarks time only the decoder.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeAudio } from '../audio/decode.ts';
import { readManifest, type ManifestRow } from '../cli/eval.ts';
import type { DecoderOptions } from '../decoder/search/config.ts';
import { Recognizer } from '../decoder/search/recognizer.ts';
import type { ResultWord, UtteranceResult } from '../decoder/search/results.ts';
import type { Stream } from '../decoder/search/stream.ts';
import { Engine } from '../engine/engine.ts';
import { AcousticModel } from '../models/acoustic-model.ts';

/** ../shared/data next to the repository. */
export const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data');
export const REAL_DEV_MANIFEST = join(DATA_DIR, 'real-dev', 'manifest.tsv');
export const FSDD_MANIFEST = join(DATA_DIR, 'fsdd-dev', 'manifest.tsv');

/** The real-dev sentences (evaluation only). Empty when the data is absent. */
export function realDevRows(): ManifestRow[] {
  return existsSync(REAL_DEV_MANIFEST) ? readManifest(REAL_DEV_MANIFEST) : [];
}

/** The held-out FSDD digits: recordings 0–4 of each digit and speaker (the model never trained on them). */
export function fsddHeldOutRows(): ManifestRow[] {
  return existsSync(FSDD_MANIFEST) ? readManifest(FSDD_MANIFEST).filter((r) => /_[0-4]$/.test(r.id)) : [];
}

/** One recording as the decoder sees it. */
export interface RecordedUtterance {
  id: string;
  /** Reference transcript (for a concatenation: the references joined by spaces). */
  transcript: string;
  /** Row-major [frames × numTokens] natural-log probabilities, exactly as the engine hands them to the decoder. */
  logProbs: Float32Array;
  frames: number;
  audioSec: number;
}

/** A transcript as the engine reports it for a whole recording. */
export interface Transcript {
  /** The OK segments' texts joined by spaces (what `asr eval` scores). */
  text: string;
  /** Every reported segment's words (only OK segments have words). */
  words: ResultWord[];
}

/** What `EngineInputs.open` needs. */
export interface EngineInputsOptions {
  /** Shipped grammars to get recognizers for. */
  grammars: readonly string[];
  /** Acoustic model folder. Default: the engine's default model. */
  modelDir?: string;
  /** Progress lines (grammar loads). Default: none. */
  log?: (line: string) => void;
}

/**
 * The engine's recognizers for some grammars and the engine's acoustic model (same folder, same runtime options)
 * for computing log-probabilities. The recognizers are the very objects the engine decodes with, so their decoder
 * config is the engine's: defaults, then the model card's recommended settings (its blank penalty), then the engine
 * config. Cost: one engine start without warm-up (model load, grammar loads) and one more model load.
 */
export class EngineInputs {
  readonly recognizers: ReadonlyMap<string, Recognizer>;
  readonly model: AcousticModel;
  /** "name version" of the model card. */
  readonly modelName: string;

  private constructor(recognizers: Map<string, Recognizer>, model: AcousticModel) {
    this.recognizers = recognizers;
    this.model = model;
    this.modelName = `${model.card.name} ${model.card.version}`;
  }

  static async open(opts: EngineInputsOptions): Promise<EngineInputs> {
    const engine = await Engine.create(
      {
        ...(opts.modelDir === undefined ? {} : { modelDir: opts.modelDir }),
        defaultGrammar: opts.grammars[0],
        modelWorker: false,
        decodeWorkers: 0,
        warmUp: false,
      },
      { log: opts.log ?? (() => {}) },
    );
    const recognizers = new Map<string, Recognizer>();
    let model: AcousticModel;
    try {
      for (const g of opts.grammars) {
        recognizers.set(g, (await engine.grammars.resolve(g)).recognizer);
      }
      model = await AcousticModel.load(engine.config.modelDir, engine.config.model);
    } finally {
      await engine.close();
    }
    return new EngineInputs(recognizers, model);
  }

  recognizer(grammar: string): Recognizer {
    const r = this.recognizers.get(grammar);
    if (r === undefined) throw new Error(`no recognizer for grammar ${grammar}`);
    return r;
  }

  /** The engine's recognizer for `grammar` with some decoder settings changed (same graph, same other settings). */
  variant(grammar: string, changes: DecoderOptions): Recognizer {
    const base = this.recognizer(grammar);
    return new Recognizer({ graph: base.graph ?? undefined, decoder: { ...base.config, ...changes } });
  }

  /** Log-probabilities of mono samples at the model's rate: one fresh model stream, fed whole, then finished. */
  async logProbsOf(samples: Float32Array): Promise<{ logProbs: Float32Array; frames: number }> {
    const s = this.model.createStream();
    const a = await s.accept(samples);
    const b = await s.finish();
    const v = this.model.numTokens;
    const logProbs = new Float32Array((a.frames + b.frames) * v);
    logProbs.set(a.data.subarray(0, a.frames * v));
    logProbs.set(b.data.subarray(0, b.frames * v), a.frames * v);
    return { logProbs, frames: a.frames + b.frames };
  }

  /** Samples of a recording at the model's rate, decoded (and resampled) as the engine decodes an upload. */
  samplesOf(row: ManifestRow): Float32Array {
    return decodeAudio(new Uint8Array(readFileSync(row.wav)), { sampleRate: this.model.card.sampleRate }).samples;
  }

  /** Each recording through the model on its own. */
  async utterances(rows: readonly ManifestRow[]): Promise<RecordedUtterance[]> {
    const out: RecordedUtterance[] = [];
    for (const row of rows) {
      const samples = this.samplesOf(row);
      const { logProbs, frames } = await this.logProbsOf(samples);
      out.push({ id: row.id, transcript: row.transcript, logProbs, frames, audioSec: samples.length / this.model.card.sampleRate });
    }
    return out;
  }

  /**
   * One long recording: the rows' audio back to back (looping over them until at least `minSec` seconds), through
   * one model stream, as a client reading them one after another would send it.
   */
  async concatenation(rows: readonly ManifestRow[], minSec: number): Promise<RecordedUtterance> {
    if (rows.length === 0) throw new Error('no recordings to concatenate');
    const rate = this.model.card.sampleRate;
    const parts: Float32Array[] = [];
    const texts: string[] = [];
    let n = 0;
    for (let i = 0; n < minSec * rate; i++) {
      const row = rows[i % rows.length];
      const s = this.samplesOf(row);
      parts.push(s);
      texts.push(row.transcript);
      n += s.length;
    }
    const samples = new Float32Array(n);
    let o = 0;
    for (const p of parts) {
      samples.set(p, o);
      o += p.length;
    }
    const { logProbs, frames } = await this.logProbsOf(samples);
    return { id: `${rows[0].id}…×${parts.length}`, transcript: texts.join(' '), logProbs, frames, audioSec: n / rate };
  }

  async close(): Promise<void> {
    await this.model.dispose();
  }
}

/** Endpoint and end-of-input results with nothing in them are not reported (as the engine drops them). */
function reportable(r: UtteranceResult): boolean {
  return !(r.code === 'NO_SPEECH' && r.words.length === 0);
}

/** A stream as the engine opens one for a session: default endpoint rules, frames of the utterance kept. */
export function engineStream(recognizer: Recognizer): Stream {
  return recognizer.createStream({ keepUtteranceFrames: true });
}

/**
 * Decodes a whole recording as the engine's `transcribe` does: all frames into a fresh engine stream (endpoints cut
 * it into segments), then the end of input; the reported segments joined. Cost: the decoding.
 */
export function transcribe(stream: Stream, u: RecordedUtterance): Transcript {
  const results = stream.accept(u.logProbs, u.frames);
  results.push(stream.finish());
  const kept = results.filter(reportable);
  return {
    text: kept
      .map((r) => r.text)
      .filter((t) => t !== '')
      .join(' '),
    words: kept.flatMap((r) => r.words),
  };
}
