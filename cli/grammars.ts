// `asr grammars list|prepare`: the shipped grammars, and building their graphs into the disk cache ahead of use.

import { readFileSync } from 'node:fs';
import { GraphError } from '../decoder/graph/errors.ts';
import { TokenTable } from '../decoder/graph/tokens.ts';
import { FstError } from '../decoder/fst/errors.ts';
import { listShippedGrammars, prepareGrammars } from '../grammars/registry.ts';

const USAGE = `usage: asr grammars list
       asr grammars prepare [NAME...] [--cache-dir DIR] [--tokens FILE]

prepare compiles the named shipped grammars (default: all) and stores the large ones (en) in the graph cache,
so that the server starts without building them.
`;

/** Runs `asr grammars`; returns the exit code. */
export async function grammarsMain(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'list') {
    for (const g of listShippedGrammars()) process.stdout.write(`${g.name}\t${g.format}\t${g.description}\n`);
    return 0;
  }
  if (sub !== 'prepare') {
    process.stderr.write(sub === undefined || sub === '--help' ? USAGE : `asr grammars: unknown command "${sub}"\n${USAGE}`);
    return sub === '--help' ? 0 : 1;
  }
  const names: string[] = [];
  let cacheDir: string | undefined;
  let tokens: TokenTable | undefined;
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = rest[i].split('=', 2);
    if (flag === '--cache-dir' || flag === '--tokens') {
      const v = inline ?? rest[++i];
      if (v === undefined) {
        process.stderr.write(`asr grammars: ${flag} needs a value\n${USAGE}`);
        return 1;
      }
      if (flag === '--cache-dir') cacheDir = v;
      else tokens = TokenTable.fromText(readFileSync(v, 'utf8'));
    } else if (flag.startsWith('--')) {
      process.stderr.write(`asr grammars: unknown flag "${flag}"\n${USAGE}`);
      return 1;
    } else {
      names.push(flag);
    }
  }
  try {
    const done = await prepareGrammars(names.length > 0 ? names : undefined, {
      tokens,
      cacheDir,
      onProgress: (line) => process.stderr.write(`${line}\n`),
    });
    for (const d of done) {
      process.stdout.write(`${d.name}\t${d.origin}\t${d.ms.toFixed(0)} ms\t${d.states} states\t${d.arcs} arcs\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof GraphError || e instanceof FstError) {
      process.stderr.write(`asr grammars: ${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
