// Bench: unpack a landed zip (default 1 GB of generated .dat) from a local S3 server through
// S3ObjectStore, and report peak RSS and throughput. s3rver runs in a child process so the
// figures are the unpacker's alone; the zip is generated in that child too.
//   npx tsx bench/zip-unpack-s3.ts [size, default 1GB] [members, default 4]
import { fork, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3ObjectStore } from '../handlers/aws/s3-object-store.ts';
import { silentLog } from '../handlers/core/pipeline-log.ts';
import { unpackZip } from '../handlers/core/zip-landing.ts';
import { parseSize } from '../generator/size.ts';
import { batchStream, planBatches } from '../generator/seed-batches.ts';
import { writeZip } from '../generator/zip-writer.ts';

const BUCKET = 'bench-bronze';
const MB = 1024 * 1024;

if (process.argv.includes('--s3rver-child')) {
  const { startS3rver } = await import('../test/helpers/s3rver.ts');
  const dir = process.env.BENCH_DIR as string;
  const members = Number(process.env.BENCH_MEMBERS);
  // A zip of generated .dat members, streamed from the generator to disk.
  const t0 = Date.now();
  const { config, plans } = planBatches(7, Number(process.env.BENCH_SIZE), members);
  const zip = await writeZip(
    path.join(dir, 'extract.zip'),
    plans.map((plan) => ({ name: `extract-${plan.index + 1}.dat`, data: batchStream(config, plan) })),
  );
  const unpacked = zip.members.reduce((sum, m) => sum + m.size, 0);
  const s3 = await startS3rver([BUCKET], { directory: dir });
  process.send?.({ endpoint: s3.endpoint, zipBytes: zip.bytes, unpacked, seconds: (Date.now() - t0) / 1000 });
  process.on('message', () => {
    void s3.close().then(() => process.exit(0));
  });
} else {
  await main();
}

async function vmHwm(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8');
  const kb = /VmHWM:\s+(\d+)\s*kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : NaN;
}

async function main(): Promise<void> {
  const sizeBytes = parseSize(process.argv[2] ?? '1GB');
  const members = Number(process.argv[3] ?? '4');
  const dir = await mkdtemp(path.join(tmpdir(), 'procureflow-bench-zip-'));
  let child: ChildProcess | undefined;
  try {
    // 1-2. The child generates the zip and starts s3rver.
    const zipPath = path.join(dir, 'extract.zip');
    child = fork(import.meta.filename, ['--s3rver-child'], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_DIR: dir, BENCH_SIZE: String(sizeBytes), BENCH_MEMBERS: String(members) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const { endpoint, zipBytes, unpacked, seconds: zipSeconds } = await new Promise<{ endpoint: string; zipBytes: number; unpacked: number; seconds: number }>((resolve, reject) => {
      child?.once('message', (m) => resolve(m as { endpoint: string; zipBytes: number; unpacked: number; seconds: number }));
      child?.once('exit', (code) => reject(new Error(`s3rver child exited with ${code}`)));
    });
    const zip = { bytes: zipBytes };
    console.log(`zip: ${(zipBytes / MB).toFixed(0)} MB compressed, ${(unpacked / MB).toFixed(0)} MB in ${members} members (generated in ${zipSeconds.toFixed(1)} s)`);
    const { s3rverClient } = await import('../test/helpers/s3rver.ts');
    const client = s3rverClient(endpoint);
    const store = new S3ObjectStore(client);

    // 3. Land the zip, then unpack it, sampling RSS.
    const baseline = process.memoryUsage().rss;
    let peakRss = baseline;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const ref = { bucket: BUCKET, key: 'bronze/extract.zip' };
    const t1 = Date.now();
    await store.write(ref, createReadStream(zipPath));
    const landSeconds = (Date.now() - t1) / 1000;
    const landPeak = peakRss;
    const hwmAfterLanding = await vmHwm();
    const t2 = Date.now();
    const result = await unpackZip({ ref }, store, silentLog, undefined, dir);
    const seconds = (Date.now() - t2) / 1000;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const hwm = await vmHwm();
    const landedBytes = result.landed.reduce((sum, l) => sum + (l.size ?? 0), 0);
    if (landedBytes !== unpacked || result.landed.length !== members) throw new Error(`landed ${landedBytes} bytes in ${result.landed.length} members, expected ${unpacked} in ${members}`);
    for (const l of result.landed) {
      const head = await store.head(l.ref);
      if (head?.size !== l.size) throw new Error(`${l.ref.key}: size ${head?.size} in S3, ${l.size} reported`);
    }
    console.log(`land:   ${(zip.bytes / MB).toFixed(0)} MB in ${landSeconds.toFixed(1)} s (${(zip.bytes / MB / landSeconds).toFixed(0)} MB/s), sampled peak RSS ${(landPeak / MB).toFixed(0)} MB, VmHWM ${(hwmAfterLanding / MB).toFixed(0)} MB`);
    console.log(`unpack: ${(unpacked / MB).toFixed(0)} MB in ${seconds.toFixed(1)} s (${(unpacked / MB / seconds).toFixed(0)} MB/s unpacked), ${result.landed.length} members landed`);
    console.log(`peak RSS (sampled every 50 ms): ${(peakRss / MB).toFixed(0)} MB (baseline ${(baseline / MB).toFixed(0)} MB); VmHWM: ${(hwm / MB).toFixed(0)} MB; target ≤ 200 MB: ${hwm <= 200 * MB ? 'PASS' : 'FAIL'}`);
    console.log(`zip on disk: ${((await stat(zipPath)).size / MB).toFixed(0)} MB`);
    client.destroy();
    if (hwm > 200 * MB) process.exitCode = 1;
  } finally {
    if (child?.connected) {
      child.send('close');
      await new Promise((resolve) => child?.once('exit', resolve));
    }
    await rm(dir, { recursive: true, force: true });
  }
}
