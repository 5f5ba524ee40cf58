// `asr eval MANIFEST`: transcribe a test set and print WER, CER, their edit counts and the real-time factor.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Engine } from '../engine/engine.ts';
import { ErrorRateAccumulator, type EditCounts } from '../engine/wer.ts';
import { UsageError, cliEngineConfig, intFlag, parseFlags, reportError, type CliFlags } from './transcribe.ts';

const USAGE = `usage: asr eval MANIFEST [--grammar NAME|PATH] [--model DIR] [--decoder JSON] [--concurrency N] [--limit N] [--verbose] [--json]

MANIFEST is a TSV file with a header line naming at least the columns id, wav and transcript (wav paths relative
to the manifest's folder), as ../shared/data/real-dev/manifest.tsv. Prints WER and CER with substitutions,
deletions and insertions, and the real-time factor (processing time / audio time).

  --grammar NAME|PATH  as for asr transcribe. Default en.
  --model DIR          acoustic model folder. Default models/ds2-stream-en.
  --decoder JSON       decoder options, as for asr transcribe (e.g. to tune a blank penalty on held-out data).
  --concurrency N      files recognised at once (their model runs are batched together). Default 4.
  --limit N            only the first N utterances.
  --verbose            one line per utterance: id, word errors, reference and hypothesis.
  --json               the summary as one JSON object (with --verbose, an "utterances" array too).
`;

/** One row of a manifest. */
export interface ManifestRow {
  id: string;
  /** Absolute path of the audio. */
  wav: string;
  transcript: string;
}

/**
 * Reads a TSV manifest with a header; the columns id, wav and transcript are required, others ignored. Wav paths
 * are resolved against the manifest's folder. Throws UsageError naming the missing column or the bad line.
 */
export function readManifest(path: string): ManifestRow[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read manifest ${path}: ${(e as Error).message}`);
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new UsageError(`${path}: empty manifest`);
  const header = lines[0].split('\t').map((h) => h.trim());
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new UsageError(`${path}: the header has no "${name}" column (it has: ${header.join(', ')})`);
    return i;
  };
  const [ci, cw, ct] = [col('id'), col('wav'), col('transcript')];
  const dir = dirname(resolve(path));
  return lines.slice(1).map((line, k) => {
    const f = line.split('\t');
    if (f.length <= Math.max(ci, cw, ct)) throw new UsageError(`${path}:${k + 2}: ${f.length} columns, expected ${header.length}`);
    return { id: f[ci], wav: resolve(dir, f[cw]), transcript: f[ct] };
  });
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function counts(c: EditCounts): string {
  return `S ${c.substitutions}, D ${c.deletions}, I ${c.insertions}, N ${c.refLength}`;
}

/** Runs `asr eval`; returns the exit code (0 done, 1 failures, 2 usage). */
export async function evalMain(argv: string[]): Promise<number> {
  let flags: CliFlags;
  let rows: ManifestRow[];
  let setup: ReturnType<typeof cliEngineConfig>;
  let concurrency: number;
  try {
    flags = parseFlags(argv, ['grammar', 'model', 'decoder', 'concurrency', 'limit'], ['json', 'verbose', 'help']);
    if (flags.bools.has('help')) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (flags.positional.length !== 1) throw new UsageError('give exactly one manifest');
    rows = readManifest(flags.positional[0]);
    const limit = intFlag(flags, 'limit');
    if (limit !== undefined) rows = rows.slice(0, limit);
    concurrency = intFlag(flags, 'concurrency') ?? 4;
    setup = cliEngineConfig(flags);
  } catch (e) {
    reportError('asr eval', e);
    if (e instanceof UsageError) process.stderr.write(USAGE);
    return e instanceof UsageError ? 2 : 1;
  }
  let engine: Engine;
  try {
    engine = await Engine.create(setup.config, { log: (line) => process.stderr.write(`${line}\n`) });
  } catch (e) {
    reportError('asr eval', e);
    return 1;
  }
  if (engine.model.placeholder) {
    process.stderr.write(`asr eval: warning: model ${engine.model.name} is a placeholder (${engine.model.status}); expect WER near 100%\n`);
  }
  const acc = new ErrorRateAccumulator();
  const results: { id: string; ref: string; hyp: string; words: EditCounts; durationSec: number }[] = new Array(rows.length);
  let audioSec = 0;
  let failed = 0;
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const k = next++;
      if (k >= rows.length) return;
      const row = rows[k];
      try {
        const r = await engine.transcribe(new Uint8Array(readFileSync(row.wav)));
        results[k] = { id: row.id, ref: row.transcript, hyp: r.text, words: { substitutions: 0, deletions: 0, insertions: 0, hits: 0, refLength: 0 }, durationSec: r.durationSec };
      } catch (e) {
        failed++;
        reportError(`asr eval: ${row.id} (${row.wav})`, e);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker));
  } finally {
    await engine.close();
  }
  const wallSec = (performance.now() - t0) / 1000;
  // Scored in manifest order, after recognition, so that concurrency does not change the output.
  for (const r of results) {
    if (r === undefined) continue;
    r.words = acc.add(r.ref, r.hyp).words;
    audioSec += r.durationSec;
  }
  const rtf = audioSec > 0 ? wallSec / audioSec : 0;
  if (flags.bools.has('json')) {
    const out: Record<string, unknown> = {
      manifest: flags.positional[0],
      grammar: setup.grammar || engine.config.defaultGrammar,
      model: engine.model.name,
      utterances: acc.utterances,
      failed,
      wer: acc.wer,
      cer: acc.cer,
      words: acc.words,
      chars: acc.chars,
      audio_sec: audioSec,
      processing_sec: wallSec,
      rtf,
    };
    if (flags.bools.has('verbose')) out.results = results.filter((r) => r !== undefined);
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    if (flags.bools.has('verbose')) {
      for (const r of results) {
        if (r !== undefined) process.stdout.write(`${r.id}\t${counts(r.words)}\tREF: ${r.ref}\tHYP: ${r.hyp}\n`);
      }
    }
    process.stdout.write(
      `utterances\t${acc.utterances}${failed > 0 ? ` (${failed} failed)` : ''}\n` +
        `WER\t${pct(acc.wer)}\t${counts(acc.words)}\n` +
        `CER\t${pct(acc.cer)}\t${counts(acc.chars)}\n` +
        `substitutions\t${acc.words.substitutions}\n` +
        `deletions\t${acc.words.deletions}\n` +
        `insertions\t${acc.words.insertions}\n` +
        `audio\t${audioSec.toFixed(2)} s\n` +
        `processing\t${wallSec.toFixed(2)} s (concurrency ${concurrency})\n` +
        `RTF\t${rtf.toFixed(4)}\n`,
    );
  }
  return failed > 0 ? 1 : 0;
}
