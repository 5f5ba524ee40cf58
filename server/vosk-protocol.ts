// The Vosk server WebSocket protocol (alphacep/vosk-server websocket/asr_server.py) as data: config and eof
// messages parsed, partial and result replies built. Pure.

import { ServerError, type WireError } from './errors.ts';
import type { FinalEvent, GrammarSpec } from './recognition.ts';
import { safeDetails } from './stream-protocol.ts';

/** Settings a Vosk client may send in {"config": {...}}; absent fields keep their defaults. */
export interface VoskSettings {
  /** Hz; Vosk clients send floats such as 16000.0. Default config.voskSampleRate. */
  sampleRate: number;
  /** Word timings and confidences in results ("result" array). vosk-server's default: true. */
  words: boolean;
  /** n-best alternatives in results; 0 for none (Vosk's default). */
  maxAlternatives: number;
  /** Restrict recognition to these phrases (Vosk's grammar); null for the server's default grammar. */
  phraseList: string[] | null;
  /** Our extension: a stored grammar by name. */
  grammar: string | null;
}

/** A Vosk client message: a config, eof, or something else (an error reply). */
export type VoskMessage = { type: 'config'; config: Partial<VoskSettings> } | { type: 'eof' };

/** Vosk's own placeholder for "any other word" in phrase lists; our grammars have no such token. */
const VOSK_UNK = '[unk]';

function bad(message: string, field?: string): ServerError {
  return new ServerError('BAD_MESSAGE', message, field === undefined ? {} : { field });
}

/**
 * Parses a Vosk text message: {"config": {...}} or {"eof": 1}. Throws BAD_MESSAGE for anything else (vosk-server
 * would feed it to the recogniser as audio). Unknown config fields are ignored, as vosk-server does.
 */
export function parseVoskMessage(text: string): VoskMessage {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw bad('a text message must be {"config": {...}} or {"eof" : 1}');
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw bad('a text message must be a JSON object');
  const o = m as Record<string, unknown>;
  if ('eof' in o) return { type: 'eof' };
  if (!('config' in o)) throw bad('a text message must be {"config": {...}} or {"eof" : 1}');
  const c = o.config;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw bad('"config" must be an object', 'config');
  const cfg = c as Record<string, unknown>;
  const out: Partial<VoskSettings> = {};
  if (cfg.sample_rate !== undefined) {
    const v = typeof cfg.sample_rate === 'string' ? Number(cfg.sample_rate) : cfg.sample_rate;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad('"sample_rate" must be a number', 'sample_rate');
    out.sampleRate = v;
  }
  if (cfg.words !== undefined) out.words = Boolean(cfg.words);
  if (cfg.max_alternatives !== undefined) {
    const v = Number(cfg.max_alternatives);
    if (!Number.isInteger(v) || v < 0) throw bad('"max_alternatives" must be a non-negative integer', 'max_alternatives');
    out.maxAlternatives = v;
  }
  if (cfg.phrase_list !== undefined) {
    const p = cfg.phrase_list;
    if (!Array.isArray(p) || p.some((x) => typeof x !== 'string')) throw bad('"phrase_list" must be an array of strings', 'phrase_list');
    const kept = (p as string[]).map((x) => x.trim()).filter((x) => x !== '' && x.toLowerCase() !== VOSK_UNK && !x.includes('\n'));
    out.phraseList = kept.length > 0 ? kept : null;
  }
  if (cfg.grammar !== undefined) {
    if (typeof cfg.grammar !== 'string' || cfg.grammar === '') throw bad('"grammar" must be a grammar name', 'grammar');
    out.grammar = cfg.grammar;
  }
  return { type: 'config', config: out };
}

/** The grammar of a Vosk session: its phrase list, else the named grammar, else the server default (undefined). */
export function voskGrammar(s: VoskSettings): GrammarSpec | undefined {
  if (s.phraseList !== null) return { kind: 'phrases', text: s.phraseList.join('\n') };
  return s.grammar ?? undefined;
}

/** The engine's n-best size for a Vosk max_alternatives (the engine gives a list from 2 up). */
export function engineAlternatives(maxAlternatives: number): number {
  return maxAlternatives === 0 ? 1 : Math.max(2, maxAlternatives);
}

function r3(t: number): number {
  return Math.round(t * 1000) / 1000;
}

/** Vosk's partial reply. */
export function voskPartial(text: string, error?: WireError): string {
  return JSON.stringify(error === undefined ? { partial: text } : { partial: text, error: voskError(error) });
}

/**
 * Vosk's result reply for the finals since the last reply, merged into one (Vosk answers each message once):
 * {"text"} plus "result" (words) when words are on, or {"alternatives": [...]} when alternatives were asked for.
 */
export function voskResult(finals: readonly FinalEvent[], s: VoskSettings, error?: WireError): string {
  const text = finals.map((f) => f.text).filter((t) => t !== '').join(' ');
  let out: Record<string, unknown>;
  if (s.maxAlternatives > 0) {
    const alts =
      finals.length === 1 && finals[0].alternatives !== undefined
        ? finals[0].alternatives.slice(0, s.maxAlternatives).map((a) => ({ confidence: r3(a.confidence), text: a.text }))
        : [{ confidence: 1, text }];
    out = { alternatives: alts };
  } else {
    out = {};
    const words = finals.flatMap((f) => f.words);
    if (s.words && words.length > 0) {
      out.result = words.map((w) => ({ conf: r3(w.confidence), end: r3(w.end), start: r3(w.start), word: w.word }));
    }
    out.text = text;
  }
  if (error !== undefined) out.error = voskError(error);
  return JSON.stringify(out);
}

/** An error as Vosk replies carry it: {"code", "message", ...details}. */
export function voskError(e: WireError): Record<string, unknown> {
  return { ...safeDetails(e.details), code: e.code, message: e.message };
}
