import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { GeneratorConfig } from './file-generator.ts';
import type { FilePlan } from './file-plan.ts';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.ts';
import { writePlannedFile, type WrittenFile } from './write-file.ts';

/**
 * Heap limits per worker. The generator allocates little per line, so V8's default nursery
 * (16 MB+ per isolate) would be most of a worker's memory, and without an old-generation cap
 * promoted garbage (promises of past writes...) piles up for a long time before a full GC.
 * Live data is a few MB of tables, far below the cap.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };

/**
 * Run the file plans on `concurrency` worker threads (each pulls the next plan when it is done),
 * or in this thread when concurrency is 1. Results come back in plan order.
 */
export async function runPlans(config: GeneratorConfig, plans: readonly FilePlan[], concurrency: number, onChunk: (bytes: number) => void): Promise<WrittenFile[]> {
  if (concurrency <= 1 || plans.length <= 1) {
    const files: WrittenFile[] = [];
    for (const plan of plans) files.push(await writePlannedFile(config, plan, onChunk));
    return files;
  }
  const results: WrittenFile[] = new Array<WrittenFile>(plans.length);
  let next = 0;
  const takePlan = (): FilePlan | undefined => plans[next++];
  const source = await workerSource();
  const workers = Array.from(
    { length: Math.min(concurrency, plans.length) },
    () => new Worker(source.entry, { eval: source.eval, workerData: config satisfies WorkerInit, resourceLimits: WORKER_LIMITS }),
  );
  try {
    await Promise.all(workers.map((worker) => drive(worker, takePlan, onChunk, results)));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

/** Feed one worker plans until none are left; resolves when it has finished its last file. */
function drive(worker: Worker, takePlan: () => FilePlan | undefined, onChunk: (bytes: number) => void, results: WrittenFile[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const post = (message: ToWorker): void => worker.postMessage(message);
    const feed = (): void => {
      const plan = takePlan();
      if (plan) post({ type: 'file', plan });
      else {
        post({ type: 'stop' });
        resolve();
      }
    };
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'progress') onChunk(message.bytes);
      else if (message.type === 'done') {
        results[message.index] = message.file;
        feed();
      } else reject(Object.assign(new Error(`Generator worker failed: ${message.message}`), { stack: message.stack }));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`Generator worker exited with code ${code}`));
    });
    feed();
  });
}

/**
 * Compiled to .js, the worker entry runs as is. Under tsx (this file is .ts), Node 20 does not
 * apply tsx's `--import` hooks to a worker's entry module, and registering tsx inside each worker
 * costs ~25 MB of RSS per worker (a loader per isolate). So the worker and its imports are bundled
 * once with esbuild (a tsx dependency, ~30 KB of JS) and run as plain JS.
 */
async function workerSource(): Promise<{ entry: URL | string; eval: boolean }> {
  const isTs = import.meta.url.endsWith('.ts');
  const entry = new URL(isTs ? './worker.ts' : './worker.js', import.meta.url);
  if (!isTs) return { entry, eval: false };
  bundled ??= import('esbuild')
    .then(({ build }) => build({ entryPoints: [fileURLToPath(entry)], bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false }))
    .then((result) => result.outputFiles[0]?.text ?? '')
    .catch((error: unknown) => {
      bundled = undefined; // let a later call try again
      throw error;
    });
  return { entry: await bundled, eval: true };
}

let bundled: Promise<string> | undefined;
