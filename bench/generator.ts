/**
 * Generator throughput and memory: `npx tsx bench/generator.ts [SIZE] [FILES] [THREADS]`
 * (default 2GB, 8 files, the generator's default of min(2, CPUs) worker threads).
 * Writes into .bench/ (gitignored), prints MB/s and peak RSS, then deletes the data.
 * Worker threads live in this process, so process RSS (sampled) and VmHWM include them.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateDataset, parseSize } from '../generator/generate.ts';

const sizeText = process.argv[2] ?? '2GB';
const files = Number(process.argv[3] ?? 8);
const concurrency = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const sizeBytes = parseSize(sizeText);
const outDir = fileURLToPath(new URL(`../.bench/generator-${process.pid}`, import.meta.url));

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 25);

const started = performance.now();
const cpuBefore = process.cpuUsage();
try {
  const generated = await generateDataset({ sizeBytes, files, seed: 7, outDir, concurrency });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const bytes = generated.reduce((sum, f) => sum + f.bytes, 0);
  const lines = generated.reduce((sum, f) => sum + f.lines, 0);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const mb = (n: number): string => (n / 1e6).toFixed(1);
  console.log(`generated ${sizeText} as ${files} files: ${bytes} bytes (${((bytes / sizeBytes - 1) * 100).toFixed(2)}% off target), ${lines} data lines`);
  console.log(`time ${seconds.toFixed(2)} s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (user ${(cpu.user / 1e6).toFixed(2)}, system ${(cpu.system / 1e6).toFixed(2)})`);
  console.log(`throughput ${mb(bytes / seconds)} MB/s (${(bytes / 2 ** 20 / seconds).toFixed(1)} MiB/s)`);
  console.log(`peak RSS sampled ${mb(peakRss)} MB; VmHWM ${vmHwm()}`);
} finally {
  clearInterval(sampler);
  await rm(outDir, { recursive: true, force: true });
}

function vmHwm(): string {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return line ? line.replace(/^VmHWM:\s*/, '') : 'n/a (no /proc)';
}
