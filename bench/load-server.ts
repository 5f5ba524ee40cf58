// The server under load as a child process: started on a free loopback port, watched through /proc (CPU, RSS)
// and /metrics, stopped with SIGTERM.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A free TCP port on loopback (bound and released; good enough for a benchmark). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** CPU seconds (user + system) of a process, from /proc/PID/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime), counted from the state field (3rd) in clock ticks of 1/100 s.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident set size of a process, bytes, from /proc/PID/status. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) * 1024;
}

export interface ServerUnderLoad {
  child: ChildProcess;
  pid: number;
  http: string;
  ws: string;
  /** The value of one metric sample from /metrics, e.g. `asr_queue_depth` or `x_total{stage="model"}`. */
  metric(name: string): Promise<number>;
  stop(): Promise<number | null>;
}

/** Starts `asr serve` with `args` (and Node.js flags `nodeArgs`, e.g. --cpu-prof) on a free port; waits for /readyz. */
export async function startServer(root: string, args: string[], log: (m: string) => void, nodeArgs: string[] = []): Promise<ServerUnderLoad> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'bin', 'asr.js'), 'serve', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const http = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
    try {
      if ((await fetch(`${http}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > 120_000) throw new Error('server not ready after 120 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`server ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (pid ${child.pid})`);
  return {
    child,
    pid: child.pid!,
    http,
    ws: `ws://127.0.0.1:${port}`,
    async metric(name: string): Promise<number> {
      const text = await (await fetch(`${http}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      const m = line === undefined ? null : /(\S+)$/.exec(line);
      return m === null ? NaN : Number(m[1]);
    },
    stop() {
      return new Promise((res) => {
        child.once('exit', (c) => res(c));
        child.kill('SIGTERM');
      });
    },
  };
}

/**
 * CPU cores this process can get right now: two threads spin for `ms` and their CPU time is divided by the wall
 * time (≈ 2 on an idle 2-core machine, less when other jobs share it). Printed so that rows can be read in context.
 */
export async function availableCores(ms = 1000): Promise<number> {
  const { Worker } = await import('node:worker_threads');
  const src = `const t = Date.now(); let x = 0; while (Date.now() - t < ${ms}) x += Math.sqrt(x + 1);`;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const w = new Worker(src, { eval: true });
  const done = new Promise((r) => w.once('exit', r));
  const t = Date.now();
  let x = 0;
  while (Date.now() - t < ms) x += Math.sqrt(x + 1);
  await done;
  const c = process.cpuUsage(c0);
  // Reading x keeps the spin loop from being optimised away.
  return x >= 0 ? (c.user + c.system) / 1000 / (performance.now() - t0) : NaN;
}
