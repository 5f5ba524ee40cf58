// The grammar compile worker thread: compiles grammar sources, one after another, into graphs in shared memory.

import { parentPort, workerData } from 'node:worker_threads';
import { compileGrammar } from '../decoder/graph/tlg.ts';
import { TokenTable } from '../decoder/graph/tokens.ts';
import { errorData } from './errors.ts';
import type { CompileWorkerData, FromCompileWorker, ToCompileWorker } from './grammar-compiler.ts';
import { shareGraph } from './shared-graph.ts';

const port = parentPort;
if (port === null) throw new Error('compile-worker.ts runs in a worker thread (see WorkerGrammarCompiler)');
const { tokens: t } = workerData as CompileWorkerData;
const tokens = new TokenTable(t.names, { blank: t.blank, space: t.space });
const post = (m: FromCompileWorker): void => port.postMessage(m);

port.on('message', (m: ToCompileWorker) => {
  try {
    // Frozen straight into SharedArrayBuffers: the engine and its decode workers read these very arrays.
    post({ type: 'done', id: m.id, graph: shareGraph(compileGrammar(m.source, tokens)) });
  } catch (e) {
    post({ type: 'failed', id: m.id, error: errorData(e) });
  }
});
