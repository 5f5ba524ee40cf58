// `asr transcribe FILE...`: recognise audio files with the engine; one line per file (text or JSON).

import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { GrammarSource } from '../decoder/graph/tlg.ts';
import type { DecoderOptions } from '../decoder/search/config.ts';
import { Engine, type EngineConfig } from '../engine/engine.ts';
import { EngineError, errorInfo } from '../engine/errors.ts';
import { isShippedGrammar } from '../grammars/registry.ts';

const USAGE = `usage: asr transcribe FILE... [--grammar NAME|PATH] [--json] [--model DIR] [--decoder JSON] [--alternatives N] [--no-endpoint]

Recognises each audio file (WAV: PCM or float, any rate and channels) and prints one line per file:
"FILE<TAB>transcript", or with --json one JSON object per line with words, times (seconds) and confidences.

  --grammar NAME|PATH  a shipped grammar (en, digits, digit, yesno, commands) or a grammar file: .jsgf (JSGF),
                       .arpa / .arpa.gz (ARPA LM), anything else a phrase list (one phrase a line). Default en.
  --model DIR          acoustic model folder (with model.json). Default models/ds2-stream-en.
  --decoder JSON       decoder options over the model card's and the defaults, e.g. '{"beam":16,"blankPenalty":1.5}'
                       (names as in the engine's "decoder" config).
  --alternatives N     n-best alternatives per segment (--json only). Default 1.
  --no-endpoint        one segment per file instead of cutting at pauses.
`;

/** A bad command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** Flags shared by `asr transcribe` and `asr eval`. */
export interface CliFlags {
  positional: string[];
  values: Map<string, string>;
  bools: Set<string>;
}

/** Parses `--flag value`, `--flag=value` and boolean flags; unknown flags → UsageError. */
export function parseFlags(argv: readonly string[], valueFlags: readonly string[], boolFlags: readonly string[]): CliFlags {
  const out: CliFlags = { positional: [], values: new Map(), bools: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--') || a === '--') {
      if (a !== '--') out.positional.push(a);
      else out.positional.push(...argv.slice(i + 1));
      if (a === '--') break;
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (boolFlags.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      out.bools.add(name);
    } else if (valueFlags.includes(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new UsageError(`--${name} needs a value`);
      out.values.set(name, v);
    } else {
      throw new UsageError(`unknown flag --${name}`);
    }
  }
  return out;
}

/** A positive integer flag, or undefined when absent. */
export function intFlag(flags: CliFlags, name: string): number | undefined {
  const v = flags.values.get(name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${name} expects a positive integer, got "${v}"`);
  return Number(v);
}

/** The grammar source of a grammar file, by extension: .jsgf, .arpa[.gz], else a phrase list. */
export function grammarFileSource(path: string): GrammarSource {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new EngineError('ENGINE_GRAMMAR_NOT_FOUND', `cannot read grammar file ${path}: ${(e as Error).message}`, { name: path });
  }
  const text = (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
  const lower = path.toLowerCase();
  if (lower.endsWith('.jsgf')) return { kind: 'jsgf', text };
  if (lower.endsWith('.arpa') || lower.endsWith('.arpa.gz')) return { kind: 'arpa', text };
  return { kind: 'phrases', text };
}

/**
 * Engine config for a CLI run: `--grammar` NAME (shipped) becomes the default grammar (so `en` is not loaded for a
 * digits run); a PATH is compiled at start-up as the user grammar "file-<basename>". `--model` sets modelDir.
 */
export function cliEngineConfig(flags: CliFlags): { config: Partial<EngineConfig>; grammar: string } {
  const config: Partial<EngineConfig> = { maxGrammarSourceBytes: 2 ** 31 - 1 };
  const model = flags.values.get('model');
  if (model !== undefined) config.modelDir = model;
  const decoder = flags.values.get('decoder');
  if (decoder !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(decoder);
    } catch {
      throw new UsageError(`--decoder: not JSON: ${decoder}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('--decoder: must be a JSON object');
    config.decoder = parsed as DecoderOptions;
  }
  const g = flags.values.get('grammar');
  if (g === undefined) return { config, grammar: '' };
  if (isShippedGrammar(g)) {
    config.defaultGrammar = g;
    return { config, grammar: g };
  }
  const name = `file-${basename(g, extname(g)).replace(/[^A-Za-z0-9_.-]/g, '_')}`.slice(0, 64);
  config.grammars = { [name]: grammarFileSource(g) };
  config.defaultGrammar = name;
  return { config, grammar: name };
}

/** Writes a coded error as one line to stderr. */
export function reportError(prefix: string, e: unknown): void {
  if (e instanceof UsageError) {
    process.stderr.write(`${prefix}: ${e.message}\n`);
    return;
  }
  const info = errorInfo(e);
  const where = info.details.line !== undefined ? ` (line ${String(info.details.line)}${info.details.column !== undefined ? `, column ${String(info.details.column)}` : ''})` : '';
  process.stderr.write(`${prefix}: ${info.code}: ${info.message}${where}\n`);
}

/** Runs `asr transcribe`; returns the exit code (0 all files done, 1 a file or the engine failed, 2 usage). */
export async function transcribeMain(argv: string[]): Promise<number> {
  let flags: CliFlags;
  let setup: ReturnType<typeof cliEngineConfig>;
  let alternatives: number | undefined;
  try {
    flags = parseFlags(argv, ['grammar', 'model', 'decoder', 'alternatives'], ['json', 'no-endpoint', 'help']);
    if (flags.bools.has('help')) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (flags.positional.length === 0) throw new UsageError('no audio file given');
    alternatives = intFlag(flags, 'alternatives');
    setup = cliEngineConfig(flags);
  } catch (e) {
    reportError('asr transcribe', e);
    if (e instanceof UsageError) process.stderr.write(USAGE);
    return e instanceof UsageError ? 2 : 1;
  }
  let engine: Engine;
  try {
    // One file at a time: worker threads would only add their start-up.
    engine = await Engine.create({ ...setup.config, decodeWorkers: 0, modelWorker: false }, { log: (line) => process.stderr.write(`${line}\n`) });
  } catch (e) {
    reportError('asr transcribe', e);
    return 1;
  }
  if (engine.model.placeholder) {
    process.stderr.write(`asr transcribe: warning: model ${engine.model.name} is a placeholder (${engine.model.status}); transcripts are meaningless\n`);
  }
  let failed = 0;
  try {
    for (const file of flags.positional) {
      try {
        const bytes = new Uint8Array(readFileSync(file));
        const r = await engine.transcribe(bytes, {
          ...(alternatives === undefined ? {} : { alternatives }),
          ...(flags.bools.has('no-endpoint') ? { endpoint: false as const } : {}),
        });
        if (flags.bools.has('json')) {
          process.stdout.write(
            `${JSON.stringify({
              file,
              text: r.text,
              grammar: r.grammar,
              duration_sec: r.durationSec,
              processing_sec: Math.round(r.processingSec * 1000) / 1000,
              words: r.words,
              segments: r.segments,
            })}\n`,
          );
        } else {
          process.stdout.write(`${file}\t${r.text}\n`);
        }
      } catch (e) {
        failed++;
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR') {
          process.stderr.write(`asr transcribe: ${file}: cannot read: ${(e as Error).message}\n`);
        } else reportError(`asr transcribe: ${file}`, e);
      }
    }
  } finally {
    await engine.close();
  }
  return failed > 0 ? 1 : 0;
}
