// Entry point of the `asr` command: dispatches to subcommands. Only this layer decides exit codes.

const USAGE = `usage: asr <command> [args]

commands:
  serve                 start the server (see README)
  fst OP [flags] ...    OpenFst-style operations on FST files (asr fst --help)
  graph build|info ...  compile a grammar into a decoding graph TLG, or describe one (asr graph --help)
  grammars list|prepare list the shipped grammars, or build them into the graph cache
  transcribe FILE...    transcribe audio files [--grammar NAME|PATH] [--json]
  eval MANIFEST         word and character error rates over a TSV manifest (id, wav, transcript)
`;

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'fst': {
      const { fstMain } = await import('./fst.ts');
      return fstMain(rest);
    }
    case 'graph': {
      const { graphMain } = await import('./graph.ts');
      return graphMain(rest);
    }
    case 'grammars': {
      const { grammarsMain } = await import('./grammars.ts');
      return grammarsMain(rest);
    }
    case 'transcribe': {
      const { transcribeMain } = await import('./transcribe.ts');
      return transcribeMain(rest);
    }
    case 'eval': {
      const { evalMain } = await import('./eval.ts');
      return evalMain(rest);
    }
    case 'serve': {
      const { serveMain } = await import('../server/main.ts');
      return serveMain(rest);
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`asr: unknown command "${cmd}"\n${USAGE}`);
      return 2;
  }
}
