// Two writer processes ingesting different files into one fresh lake at the same moment: every
// batch is committed exactly once, with all its rows, and both writers succeed. Also with a lake
// lock left by a writer killed with SIGKILL.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { build } from 'esbuild';
import { silentLog } from '../handlers/core/pipeline-log.ts';
import { openLocalLake } from '../handlers/local/local-lake.ts';
import { datFile, line } from './helpers/local-lake.ts';

const WRITER_SOURCE = fileURLToPath(new URL('./helpers/local-lake-writer.ts', import.meta.url));
// Bundled beside node_modules so that its packages resolve; one file starts ~0.4 s faster than tsx.
const WRITER = fileURLToPath(new URL('../node_modules/.cache/procureflow-test/local-lake-writer.mjs', import.meta.url));
const SQL_DIR = fileURLToPath(new URL('../sql', import.meta.url));
const PAIRS = 50;

test.before(async () => {
  await build({ entryPoints: [WRITER_SOURCE], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: WRITER, logLevel: 'error' });
});

function run(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [WRITER, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PROCUREFLOW_TEST_SQL_DIR: SQL_DIR } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

/** Two files with their own ids and one id in common (first write wins: gold keeps it once). */
async function pairFiles(dir: string, round: number): Promise<[string, string]> {
  await mkdir(dir, { recursive: true });
  const a = path.join(dir, `a${round}.dat`);
  const b = path.join(dir, `b${round}.dat`);
  await writeFile(a, datFile([line(`A-${round}`), line('SHARED')]));
  await writeFile(b, datFile([line(`B-${round}`), line('SHARED')]));
  return [a, b];
}

async function assertBothCommittedOnce(t: ExecutionContext, root: string, label: string): Promise<void> {
  const lake = await openLocalLake({ root, log: silentLog, threads: 1 });
  try {
    const [row] = await lake.session.rows(`SELECT
      (SELECT count(DISTINCT batch_id) FROM procureflow_db.cleaned_transactions) AS gold_batches,
      (SELECT count(*) FROM procureflow_db.cleaned_transactions) AS gold_rows,
      (SELECT count(*) FROM procureflow_db.cleaned_transactions WHERE transaction_id = 'SHARED') AS shared,
      (SELECT count(*) FROM procureflow_db.raw_transactions) AS silver_rows,
      (SELECT count(DISTINCT batch_id) FROM procureflow_db.raw_transactions) AS silver_batches`);
    t.deepEqual(row, { gold_batches: 2, gold_rows: 3, shared: 1, silver_rows: 4, silver_batches: 2 }, label);
    t.is(lake.catalog.batches().length, 2, `${label}: commits in the log`);
    t.is((await readdir(path.join(root, 'gold', 'cleaned_transactions'))).length, 2, `${label}: gold partition folders`);
  } finally {
    await lake.close();
  }
}

test(`${PAIRS} races of two writer processes into a fresh lake: both exit 0, each batch committed exactly once`, async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'procureflow-race-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (let round = 0; round < PAIRS; round++) {
    const root = path.join(dir, `lake${round}`);
    const [a, b] = await pairFiles(path.join(dir, 'in'), round);
    const [first, second] = await Promise.all([run([root, a]).done, run([root, b]).done]);
    t.is(first.code, 0, first.stderr);
    t.is(second.code, 0, second.stderr);
    t.regex(first.stdout, /"status":"committed"/);
    t.regex(second.stdout, /"status":"committed"/);
    await assertBothCommittedOnce(t, root, `round ${round}`);
    await rm(root, { recursive: true, force: true });
  }
});

test('a lake lock held by a writer killed with SIGKILL goes stale and two racing writers both commit', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'procureflow-race-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const root = path.join(dir, 'lake');
  const staleMs = '1500';
  const holder = run([root, '--hold-lock', staleMs]);
  await new Promise<void>((resolve) => holder.child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve()));
  holder.child.kill('SIGKILL');
  await holder.done;
  t.truthy(await readdir(path.join(root, '_catalog')).then((names) => names.includes('lake.lock')), 'the dead writer left its lock');

  const [a, b] = await pairFiles(path.join(dir, 'in'), 0);
  const [first, second] = await Promise.all([run([root, a, staleMs]).done, run([root, b, staleMs]).done]);
  t.is(first.code, 0, first.stderr);
  t.is(second.code, 0, second.stderr);
  await assertBothCommittedOnce(t, root, 'after a dead writer');
});
