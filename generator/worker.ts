/**
 * Worker-thread entry: generates the files the pool sends, one at a time, and reports
 * progress per written chunk. The generator config arrives once as workerData.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.ts';
import { writePlannedFile } from './write-file.ts';

const port = parentPort;
if (!port) throw new Error('generator/worker.ts must run in a worker thread');
const config = workerData as WorkerInit;
const send = (message: FromWorker): void => port.postMessage(message);

port.on('message', (message: ToWorker) => {
  if (message.type === 'stop') {
    port.close();
    return;
  }
  const { plan } = message;
  writePlannedFile(config, plan, (bytes) => send({ type: 'progress', bytes })).then(
    (file) => send({ type: 'done', file, index: plan.index }),
    (error: unknown) => send({ type: 'failed', message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined }),
  );
});
