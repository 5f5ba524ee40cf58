// The native WebSocket protocol of /v1/stream as data: session options from the query, client messages parsed
// and checked, server messages built. Pure: no sockets here (stream-connection.ts drives them).

import { resolveSessionOptions, sessionOptionsFromWire } from '../engine/config.ts';
import { ServerError, httpErrorBody } from './errors.ts';
import type { FinalEvent, GrammarEvent, GrammarSpec, ModelInfo, PartialEvent, SessionOptions } from './recognition.ts';

/** Query parameters of the upgrade URL that are not session options. */
const NON_OPTION_QUERY = new Set(['token']);

/**
 * Session options from the upgrade URL's query: sample_rate, encoding, grammar, alternatives, partials, channels,
 * endpoint (the engine's wire names; its defaults apply to what is absent). Unknown parameters → ENGINE_OPTION.
 */
export function optionsFromQuery(query: URLSearchParams): SessionOptions {
  const wire: Record<string, unknown> = {};
  for (const [k, v] of query) if (!NON_OPTION_QUERY.has(k)) wire[k] = v;
  return sessionOptionsFromWire(wire);
}

/** A client text message of /v1/stream, checked. */
export type ClientMessage =
  | { type: 'config'; options: SessionOptions }
  | { type: 'grammar'; grammar: GrammarSpec; restartUtterance: boolean }
  | { type: 'finalize' }
  | { type: 'eof' };

function bad(message: string, field?: string): ServerError {
  return new ServerError('BAD_MESSAGE', message, field === undefined ? {} : { field });
}

/**
 * Parses a text message. Throws BAD_MESSAGE (not JSON, not an object, a field of the wrong type),
 * UNKNOWN_MESSAGE_TYPE, or the engine's ENGINE_OPTION for a bad config field. Cost: O(message length).
 */
export function parseClientMessage(text: string): ClientMessage {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw bad('a text message must be JSON');
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw bad('a text message must be a JSON object');
  const { type, ...rest } = m as Record<string, unknown>;
  if (typeof type !== 'string') throw bad('a message needs a string "type"', 'type');
  switch (type) {
    case 'config':
      return { type, options: sessionOptionsFromWire(rest) };
    case 'grammar':
      return parseGrammarMessage(rest);
    case 'finalize':
    case 'eof':
      return { type };
    default:
      throw new ServerError('UNKNOWN_MESSAGE_TYPE', `unknown message type "${type}"`, { type });
  }
}

const GRAMMAR_FIELDS = ['name', 'phrases', 'jsgf', 'root', 'words', 'restart_utterance'];

function parseGrammarMessage(o: Record<string, unknown>): ClientMessage {
  for (const k of Object.keys(o)) if (!GRAMMAR_FIELDS.includes(k)) throw bad(`unknown grammar field "${k}"`, k);
  const { name, phrases, jsgf, root, words, restart_utterance: restart } = o;
  if (restart !== undefined && typeof restart !== 'boolean') throw bad('"restart_utterance" must be a boolean', 'restart_utterance');
  const restartUtterance = restart === true;
  const given = [phrases, jsgf, words].filter((v) => v !== undefined).length;
  if (given > 1) throw bad('give one of "phrases", "jsgf" or "words"', 'phrases');
  if (phrases !== undefined) {
    if (!Array.isArray(phrases) || phrases.length === 0 || phrases.some((p) => typeof p !== 'string' || p.includes('\n'))) {
      throw bad('"phrases" must be a non-empty array of one-line strings', 'phrases');
    }
    return { type: 'grammar', grammar: { kind: 'phrases', text: phrases.join('\n') }, restartUtterance };
  }
  if (jsgf !== undefined) {
    if (typeof jsgf !== 'string' || jsgf === '') throw bad('"jsgf" must be a non-empty string', 'jsgf');
    if (root !== undefined && typeof root !== 'string') throw bad('"root" must be a rule name', 'root');
    return { type: 'grammar', grammar: root === undefined ? { kind: 'jsgf', text: jsgf } : { kind: 'jsgf', text: jsgf, root }, restartUtterance };
  }
  if (words !== undefined) {
    if (!Array.isArray(words) || words.length === 0 || words.some((w) => typeof w !== 'string')) throw bad('"words" must be a non-empty array of strings', 'words');
    return { type: 'grammar', grammar: { kind: 'words', words: words as string[] }, restartUtterance };
  }
  if (typeof name !== 'string' || name === '') throw bad('a grammar message needs "name", "phrases", "jsgf" or "words"', 'name');
  return { type: 'grammar', grammar: name, restartUtterance };
}

/** The session options that differ between `a` and `b` (wire-independent comparison). */
export function sessionChangeFields(a: SessionOptions, b: SessionOptions): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof SessionOptions>;
  const out: string[] = [];
  for (const k of keys) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(k);
  return out;
}

/** Rounds seconds to milliseconds so that messages stay short. */
function ms3(t: number): number {
  return Math.round(t * 1000) / 1000;
}

/** {"type":"ready"}: sent when the session is open, and again after each accepted config message. */
export function readyMessage(id: string, o: SessionOptions, model: ModelInfo, defaultGrammar: string): string {
  const r = resolveSessionOptions(o, model.sampleRate, defaultGrammar);
  return JSON.stringify({
    type: 'ready',
    session_id: id,
    model: model.name,
    model_status: model.status,
    model_placeholder: model.placeholder,
    model_sample_rate: model.sampleRate,
    sample_rate: r.sampleRate,
    encoding: r.encoding,
    channels: r.channels,
    grammar: typeof r.grammar === 'string' ? r.grammar : `inline:${r.grammar.kind}`,
    alternatives: r.alternatives,
    partials: r.partials,
  });
}

export function partialMessage(p: PartialEvent): string {
  const words = p.words;
  const start = words.length > 0 ? words[0].start : undefined;
  const end = words.length > 0 ? words[words.length - 1].end : undefined;
  return JSON.stringify({ type: 'partial', text: p.text, start, end });
}

export function finalMessage(f: FinalEvent): string {
  const out: Record<string, unknown> = {
    type: 'final',
    text: f.text,
    start: ms3(f.start),
    end: ms3(f.end),
    words: f.words.map((w) => ({ word: w.word, start: ms3(w.start), end: ms3(w.end), confidence: ms3(w.confidence) })),
    result: f.code,
  };
  if (f.alternatives !== undefined) out.alternatives = f.alternatives.map((a) => ({ text: a.text, confidence: ms3(a.confidence) }));
  return JSON.stringify(out);
}

export function grammarMessage(g: GrammarEvent): string {
  return JSON.stringify({ type: 'grammar', name: g.name, compile_ms: Math.round(g.compile_ms * 10) / 10, effective_at: g.effective_at });
}

export function errorMessage(code: string, message: string, details: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...safeDetails(details), type: 'error', code, message });
}

/** Details as sent to clients: JSON-safe values only (errors and functions dropped). */
export function safeDetails(details: Record<string, unknown>): Record<string, unknown> {
  const { code: _c, message: _m, ...rest } = httpErrorBody({ code: '', message: '', details });
  return rest;
}

export const EOF_MESSAGE = JSON.stringify({ type: 'eof' });
