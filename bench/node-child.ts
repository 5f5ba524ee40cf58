// Fresh Node processes for the benchmarks: a script bundled to plain JavaScript, run with a raised heap limit.

import { spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * Bundles `entry` and its imports into one ESM file `outfile` for Node 20, so that a child process carries
 * neither the TypeScript loader nor its memory (about 35 MiB). `external` modules stay imports.
 */
export async function bundleScript(entry: string, outfile: string, external: string[] = []): Promise<string> {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    external,
    logLevel: 'error',
  });
  return outfile;
}

/** How a child process ended, and all it wrote. */
export interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` with `args` in a fresh Node process whose V8 heap limit is `heapMiB`; resolves when it closes. */
export async function runNodeScript(script: string, args: string[], heapMiB: number): Promise<ChildOutcome> {
  const child = spawn(process.execPath, [`--max-old-space-size=${heapMiB}`, script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stdout, stderr };
}
