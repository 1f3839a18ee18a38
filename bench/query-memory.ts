// Peak memory of `procureflow query` over a large result: builds a lake with `procureflow demo`,
// then runs every output format on the whole gold table under /usr/bin/time -v, printing peak
// RSS and wall time. Usage: npx tsx bench/query-memory.ts [SIZE=300MB] [LAKE]
// (a LAKE that exists is reused; a new one is made and removed at the end).
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BIN = fileURLToPath(new URL('../bin/procureflow.js', import.meta.url));
const size = process.argv[2] ?? '300MB';
const given = process.argv[3];
const scratch = given ? undefined : await mkdtemp(path.join(tmpdir(), 'procureflow-query-bench-'));
const lake = given ?? path.join(scratch ?? '', 'lake');

/** Runs the CLI under GNU time; stdout goes to /dev/null, as a redirect to a file would cost nothing more. */
function timed(args: string[]): Promise<{ peakMb: number; seconds: number; code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-v', process.execPath, BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const peakKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1]);
      const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(stderr);
      const seconds = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : Number.NaN;
      resolve({ peakMb: peakKb / 1024, seconds, code: code ?? 1 });
    });
  });
}

try {
  if (!existsSync(path.join(lake, 'bronze'))) {
    process.stdout.write(`building a ${size} lake at ${lake} with procureflow demo…\n`);
    await promisify(execFile)(process.execPath, [BIN, 'demo', '--size', size, '--files', '2', '--lake', lake], { maxBuffer: 64 * 1024 * 1024 });
  }
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'query', 'SELECT count(*) AS n FROM cleaned_transactions', '--lake', lake, '--format', 'csv']);
  process.stdout.write(`gold rows: ${stdout.split('\n')[1]}\n`);
  const all = 'SELECT * FROM procureflow_db.cleaned_transactions';
  for (const args of [
    ['--format', 'csv'],
    ['--format', 'json'],
    ['--format', 'table'],
    ['--format', 'table', '--all'],
  ]) {
    const run = await timed(['query', all, '--lake', lake, ...args]);
    process.stdout.write(`query ${args.join(' ').padEnd(22)} exit ${run.code}  peak RSS ${run.peakMb.toFixed(0).padStart(5)} MB  ${run.seconds.toFixed(1).padStart(6)} s\n`);
  }
} finally {
  if (scratch) await rm(scratch, { recursive: true, force: true });
}
