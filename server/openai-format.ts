// OpenAI's transcription response formats (json, text, srt, vtt, verbose_json) from a transcript. Pure.

import { ServerError } from './errors.ts';

export type ResponseFormat = 'json' | 'text' | 'srt' | 'vtt' | 'verbose_json';
export const RESPONSE_FORMATS: readonly ResponseFormat[] = ['json', 'text', 'srt', 'vtt', 'verbose_json'];

export type Granularity = 'word' | 'segment';

/** What the formats need of a transcript: its text, duration, segments and words (times in seconds). */
export interface FormattableTranscript {
  text: string;
  durationSec: number;
  segments: ReadonlyArray<{ text: string; start: number; end: number; words: ReadonlyArray<{ confidence: number }> }>;
  words: ReadonlyArray<{ word: string; start: number; end: number }>;
}

/** Checks a response_format field (absent → json). Throws BAD_REQUEST. */
export function parseResponseFormat(v: string | undefined): ResponseFormat {
  if (v === undefined || v === '') return 'json';
  if (!(RESPONSE_FORMATS as readonly string[]).includes(v)) {
    throw new ServerError('BAD_REQUEST', `response_format must be one of ${RESPONSE_FORMATS.join(', ')}`, { field: 'response_format', value: v });
  }
  return v as ResponseFormat;
}

/** Checks timestamp_granularities[] values (absent → segment, as OpenAI). Throws BAD_REQUEST. */
export function parseGranularities(values: readonly string[]): Set<Granularity> {
  const out = new Set<Granularity>();
  for (const v of values) {
    if (v !== 'word' && v !== 'segment') {
      throw new ServerError('BAD_REQUEST', 'timestamp_granularities[] must be word or segment', { field: 'timestamp_granularities[]', value: v });
    }
    out.add(v);
  }
  if (out.size === 0) out.add('segment');
  return out;
}

function r3(t: number): number {
  return Math.round(t * 1000) / 1000;
}

/** "HH:MM:SS{sep}mmm" for SRT (sep ",") and WebVTT (sep "."). */
export function timestamp(sec: number, sep: ',' | '.'): string {
  const ms = Math.max(0, Math.round(sec * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(h)}:${p(m)}:${p(s)}${sep}${p(ms % 1000, 3)}`;
}

/** The body and content type of a response in `format`. */
export function formatTranscription(
  t: FormattableTranscript,
  format: ResponseFormat,
  granularities: ReadonlySet<Granularity>,
): { contentType: string; body: string } {
  const cues = t.segments.filter((s) => s.text !== '');
  switch (format) {
    case 'json':
      return { contentType: 'application/json; charset=utf-8', body: JSON.stringify({ text: t.text }) };
    case 'text':
      return { contentType: 'text/plain; charset=utf-8', body: `${t.text}\n` };
    case 'srt':
      return {
        contentType: 'application/x-subrip; charset=utf-8',
        body: cues.map((s, i) => `${i + 1}\n${timestamp(s.start, ',')} --> ${timestamp(s.end, ',')}\n${s.text}\n\n`).join(''),
      };
    case 'vtt':
      return {
        contentType: 'text/vtt; charset=utf-8',
        body: 'WEBVTT\n\n' + cues.map((s) => `${timestamp(s.start, '.')} --> ${timestamp(s.end, '.')}\n${s.text}\n\n`).join(''),
      };
    case 'verbose_json': {
      const out: Record<string, unknown> = { task: 'transcribe', language: 'english', duration: r3(t.durationSec), text: t.text };
      if (granularities.has('segment')) {
        out.segments = cues.map((s, id) => {
          const meanConf = s.words.length === 0 ? 1 : s.words.reduce((a, w) => a + w.confidence, 0) / s.words.length;
          return {
            id,
            seek: 0,
            start: r3(s.start),
            end: r3(s.end),
            text: s.text,
            tokens: [],
            temperature: 0,
            avg_logprob: r3(Math.log(Math.max(meanConf, 1e-6))),
            compression_ratio: 1,
            no_speech_prob: 0,
          };
        });
      }
      if (granularities.has('word')) out.words = t.words.map((w) => ({ word: w.word, start: r3(w.start), end: r3(w.end) }));
      return { contentType: 'application/json; charset=utf-8', body: JSON.stringify(out) };
    }
  }
}

/** OpenAI's error body: { error: { message, type, param, code } }, so that OpenAI SDKs surface our codes. */
export function openAiErrorBody(code: string, message: string, httpStatus: number, param: string | null = null): Record<string, unknown> {
  const type = httpStatus === 401 ? 'authentication_error' : httpStatus >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param, code } };
}
