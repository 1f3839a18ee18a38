// Local pipeline throughput and memory: .dat → silver + gold + rejects on DuckDB.
// Usage: npx tsx bench/pipeline.ts [SIZE=1GB] [FILES=4] [--one-by-one] [--keep] [--no-baselines] [--parallel-files=N] [--sql-timings]
// The files land, then run as ONE group (one gold statement, handlers/core/process-group.ts); with
// --one-by-one each file is its own ingest, one after the other, and the first and last batch
// times are compared (first-write-wins cost against a growing gold).
// Prints MB/s of input, peak RSS of this process (VmHWM) and the Parquet sizes against the .dat,
// then the same input through the reference copies of ./copy-baselines.ts, side by side.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { generateDataset, parseSize } from '../generator/generate.ts';
import { cpuSeconds, measureCopyBaselines } from './copy-baselines.ts';
import { handleLandings, type LandingResult } from '../handlers/core/handle-landings.ts';
import { silentLog } from '../handlers/core/pipeline-log.ts';
import type { BatchStep } from '../handlers/core/process-batch.ts';
import { landFile, openLocalLake } from '../handlers/local/local-lake.ts';

const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const sizeBytes = parseSize(args[0] ?? '1GB');
const files = Number(args[1] ?? 4);
const root = path.resolve('.bench', `pipeline-${process.pid}`);
const MB = 1024 * 1024;

const peakRss = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

mkdirSync(root, { recursive: true });
try {
  const generated = await generateDataset({ sizeBytes, files, seed: 11, outDir: path.join(root, 'input') });
  const datBytes = generated.reduce((sum, file) => sum + file.bytes, 0);
  const rssBefore = peakRss();
  const lake = await openLocalLake({ root: path.join(root, 'lake'), write: true, log: silentLog });
  let silver = 0;
  let gold = 0;
  let rejects = 0;
  let landSeconds = 0;
  const oneByOne = process.argv.includes('--one-by-one');
  // --parallel-files=N: N files' own steps at once (GroupPorts.parallelFiles; the lake's default otherwise).
  const parallelFiles = Number(process.argv.find((arg) => arg.startsWith('--parallel-files='))?.split('=')[1] ?? 0);
  if (parallelFiles > 0) lake.ports.parallelFiles = parallelFiles;
  const started = performance.now();
  const cpuStarted = cpuSeconds();
  const land = async (file: string) => {
    const landStart = performance.now();
    const landing = await landFile(lake, file);
    landSeconds += (performance.now() - landStart) / 1000;
    return landing;
  };
  // Step timings from the ports' beforeStep hook: a batch's step lasts until its next step starts
  // (its last step until the run ends). Group steps (gold, figures) call the hook for each batch
  // of the group at once, so each batch shows the group's time for them; in a group, a file's
  // file_figures also holds its wait for the group's other files (shown as file_figures+wait).
  // One file at a time, each step also shows the CPU seconds this process (Node and DuckDB's
  // threads) spent in it: less disturbed than wall time by other jobs on a shared machine.
  const stepStarts = new Map<string, Array<{ step: BatchStep; at: number; cpu: number }>>();
  lake.ports.beforeStep = (step, batchId) => {
    const starts = stepStarts.get(batchId) ?? [];
    starts.push({ step, at: performance.now(), cpu: cpuSeconds() });
    stepStarts.set(batchId, starts);
  };
  const stepSeconds = (batchId: string, end: { at: number; cpu: number }) => {
    const starts = stepStarts.get(batchId) ?? [];
    const name = (step: BatchStep) => (step === 'file_figures' && !oneByOne ? 'file_figures+wait' : step);
    return starts
      .map(({ step, at, cpu }, i) => {
        const next = starts[i + 1] ?? end;
        const wall = `${name(step)} ${((next.at - at) / 1000).toFixed(1)}`;
        return oneByOne ? `${wall} (cpu ${(next.cpu - cpu).toFixed(1)})` : wall;
      })
      .join(', ');
  };
  // --sql-timings: each engine statement's seconds and its first words, as it ends.
  if (process.argv.includes('--sql-timings')) {
    const engine = lake.ports.engine;
    const timed = async <T>(kind: string, select: string, run: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      try {
        return await run();
      } finally {
        console.log(`    sql ${((performance.now() - started) / 1000).toFixed(1)} s ${kind}: ${select.replace(/\s+/g, ' ').slice(0, 90)}`);
      }
    };
    lake.ports.engine = {
      materialize: (table, select, location, context) => timed(`${context.step} ${table}`, select, () => engine.materialize(table, select, location, context)),
      materializePartitioned: (table, select, location, context) => timed(`${context.step} ${table}`, select, () => engine.materializePartitioned(table, select, location, context)),
      query: (select, context) => timed(`${context.step} query`, select, () => engine.query(select, context)),
    };
  }
  const results: Array<{ result: LandingResult | undefined; seconds: number; cpu?: number; steps: (batchId: string) => string }> = [];
  if (oneByOne) {
    for (const file of generated) {
      const landing = await land(file.path);
      const batchStart = performance.now();
      const cpuStart = cpuSeconds();
      const [result] = await handleLandings([landing], lake.ports);
      const end = { at: performance.now(), cpu: cpuSeconds() };
      results.push({ result, seconds: (end.at - batchStart) / 1000, cpu: end.cpu - cpuStart, steps: (batchId) => stepSeconds(batchId, end) });
    }
  } else {
    const landings = [];
    for (const file of generated) landings.push(await land(file.path));
    const groupStart = performance.now();
    const groupResults = await handleLandings(landings, lake.ports);
    const end = { at: performance.now(), cpu: cpuSeconds() };
    const groupSeconds = (end.at - groupStart) / 1000;
    for (const result of groupResults) results.push({ result, seconds: groupSeconds, steps: (batchId) => stepSeconds(batchId, end) });
  }
  for (const { result, seconds: batchSeconds, cpu, steps } of results) {
    if (result?.status !== 'committed' || !result.figures) throw new Error(`batch failed: ${JSON.stringify(result)}`);
    silver += result.figures.bytesOut.silver;
    gold += result.figures.bytesOut.gold;
    rejects += result.figures.bytesOut.rejects;
    console.log(`  ${path.basename(result.sourceFile)}: ${result.figures.lines} lines, ${oneByOne ? `batch ${batchSeconds.toFixed(1)} s (cpu ${(cpu ?? 0).toFixed(1)} s)` : `committed ${result.figures.seconds.toFixed(1)} s after its start (one group)`}`);
    console.log(`    steps (s): ${steps(result.figures.batchId)}`);
  }
  if (oneByOne && results.length > 1) {
    const first = results[0]?.seconds ?? 0;
    const last = results.at(-1)?.seconds ?? 0;
    console.log(`first batch ${first.toFixed(1)} s, last batch ${last.toFixed(1)} s: last/first ${(last / first).toFixed(2)}`);
    const firstCpu = results[0]?.cpu ?? 0;
    const lastCpu = results.at(-1)?.cpu ?? 0;
    console.log(`cpu of the first batch ${firstCpu.toFixed(1)} s, of the last ${lastCpu.toFixed(1)} s: last/first ${(lastCpu / firstCpu).toFixed(2)}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const pipelineCpu = cpuSeconds() - cpuStarted;
  await lake.close();
  const pct = (bytes: number) => `${((bytes / datBytes) * 100).toFixed(1)} %`;
  console.log(`input            ${(datBytes / MB).toFixed(0)} MB in ${files} files, ${oneByOne ? 'one ingest per file' : 'one group'}`);
  console.log(`pipeline         ${seconds.toFixed(1)} s = ${(datBytes / MB / seconds).toFixed(1)} MB/s (landing copy ${landSeconds.toFixed(1)} s included)`);
  console.log(`pipeline cpu     ${pipelineCpu.toFixed(1)} s of this process (DuckDB's threads included)`);
  console.log(`processing only  ${(datBytes / MB / (seconds - landSeconds)).toFixed(1)} MB/s`);
  console.log(`peak RSS         ${peakRss().toFixed(0)} MB (after generation: ${rssBefore.toFixed(0)} MB)`);
  console.log(`silver Parquet   ${(silver / MB).toFixed(1)} MB (${pct(silver)} of .dat)`);
  console.log(`gold Parquet     ${(gold / MB).toFixed(1)} MB (${pct(gold)} of .dat)`);
  console.log(`rejects Parquet  ${(rejects / MB).toFixed(1)} MB (${pct(rejects)} of .dat)`);
  console.log(`lake in all      ${((silver + gold + rejects) / MB).toFixed(1)} MB (${pct(silver + gold + rejects)} of .dat)`);
  if (!process.argv.includes('--no-baselines')) {
    // After the pipeline, so that its peak RSS above is its own.
    const copies = await measureCopyBaselines(
      generated.map((file) => file.path),
      path.join(root, 'baselines'),
    );
    const rate = (secs: number) => `${(datBytes / MB / secs).toFixed(1)} MB/s`;
    console.log(`same input, same DuckDB settings:`);
    console.log(`  plain typed COPY to Parquet (the issue's baseline)      ${rate(copies.baselineSeconds)}`);
    console.log(`  silver + gold Parquet with no rule (the contract floor)  ${rate(copies.floorSeconds)}`);
    console.log(`  pipeline                                                 ${rate(seconds)}`);
    // The README's goal is a share of the baseline's rate (issue 8: ≥ 0.33×).
    console.log(`pipeline / baseline rate: ${(copies.baselineSeconds / seconds).toFixed(2)}×`);
    // The same share in CPU seconds: what the two cost, less disturbed by other jobs than wall time.
    console.log(`pipeline / baseline in cpu: ${(copies.baselineCpuSeconds / pipelineCpu).toFixed(2)}× (baseline cpu ${copies.baselineCpuSeconds.toFixed(1)} s)`);
  }
} finally {
  if (!process.argv.includes('--keep')) rmSync(root, { recursive: true, force: true });
}
