// `procureflow ingest` and `generate` as an operator runs them: folders, refusals, the bronze key
// of same-named files, honest summaries and progress that names the step and reaches 100 %.
import { execFile } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import test, { type ExecutionContext } from 'ava';
import { ingestFiles } from '../cli/ingest-files.ts';
import type { Progress } from '../cli/progress.ts';
import { BATCH_STEPS } from '../handlers/core/process-batch.ts';
import { BIN, procureflow, queryCsv, scratch as scratchDir } from './helpers/cli-run.ts';
import { datFile, line, openTestLake } from './helpers/local-lake.ts';

const scratch = (t: ExecutionContext) => scratchDir(t, 'procureflow-ingest-');

test('a folder gives its .dat, .dat.gz and .zip files in any case; same-named files from two folders stay apart; a re-run reports 0 new batches and no rate', async (t) => {
  const dir = await scratch(t);
  const lake = path.join(dir, 'lake');
  const store1 = path.join(dir, 'store-1');
  const store2 = path.join(dir, 'store-2');
  await mkdir(path.join(store1, 'older'), { recursive: true });
  await mkdir(store2);
  await writeFile(path.join(store1, 'SALES.DAT'), datFile([line('TXN-1')]));
  await writeFile(path.join(store1, 'returns.Dat.GZ'), gzipSync(datFile([line('TXN-2')])));
  await writeFile(path.join(store1, 'notes.txt'), 'not data\n');
  await writeFile(path.join(store1, 'older', 'old.dat'), datFile([line('TXN-9')]));
  await writeFile(path.join(store2, 'SALES.DAT'), datFile([line('TXN-3')]));

  const first = await procureflow(['ingest', store1, path.join(store2, 'SALES.DAT'), '--lake', lake]);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stdout, /notes\.txt: ignored: not a \.dat, \.dat\.gz or \.zip file, left out/);
  t.regex(first.stdout, /older: ignored: a sub-folder \(not descended into\)/);
  t.regex(first.stdout, /^bronze\/store-1\/SALES\.DAT: committed: /m);
  t.regex(first.stdout, /^bronze\/store-1\/returns\.Dat\.GZ: committed: /m);
  t.regex(first.stdout, /^bronze\/store-2\/SALES\.DAT: committed: /m);
  t.regex(first.stdout, /^3 new batches, 0 already committed; [\d.]+ (B|KB) in [\d.]+ s \([\d.]+ MB\/s\)$/m);
  t.is(
    await queryCsv('SELECT transaction_id, source_file FROM cleaned_transactions ORDER BY transaction_id', lake),
    'transaction_id,source_file\nTXN-1,bronze/store-1/SALES.DAT\nTXN-2,bronze/store-1/returns.Dat.GZ\nTXN-3,bronze/store-2/SALES.DAT\n',
  );
  t.deepEqual((await readdir(path.join(lake, 'bronze', 'store-1'))).sort(), ['SALES.DAT', 'returns.Dat.GZ']);

  const again = await procureflow(['ingest', store1, path.join(store2, 'SALES.DAT'), '--lake', lake]);
  t.is(again.code, 0, again.stderr);
  t.regex(again.stdout, /^0 new batches, 3 already committed in [\d.]+ s$/m);
  t.notRegex(again.stdout, /MB\/s/);
});

test('a non-data file, a folder without data files and a missing path are refused with a non-zero exit, and nothing of them is landed', async (t) => {
  const dir = await scratch(t);
  const lake = path.join(dir, 'lake');
  const notes = path.join(dir, 'notes.txt');
  const emptyFolder = path.join(dir, 'empty');
  const good = path.join(dir, 'day', 'good.dat');
  await mkdir(emptyFolder);
  await mkdir(path.dirname(good));
  await writeFile(notes, 'not data\n');
  await writeFile(good, datFile([line('TXN-1')]));
  const run = await procureflow(['ingest', notes, emptyFolder, path.join(dir, 'missing.dat'), good, '--lake', lake]);
  t.is(run.code, 1);
  t.regex(run.stderr, /notes\.txt: REFUSED: not a \.dat, \.dat\.gz or \.zip file; not landed/);
  t.regex(run.stderr, /empty: REFUSED: no \.dat, \.dat\.gz or \.zip file in this folder/);
  t.regex(run.stderr, /missing\.dat: FAILED: no such file or folder/);
  t.regex(run.stdout, /^1 new batch, 0 already committed, 3 failed or refused; /m);
  t.deepEqual(await readdir(path.join(lake, 'bronze')), ['day']);
  t.deepEqual(await readdir(path.join(lake, 'bronze', 'day')), ['good.dat']);
});

test('ingest progress names each step of each file, moves forward only, and ends at the total', async (t) => {
  const { lake, inputDir } = await openTestLake(t);
  await mkdir(inputDir, { recursive: true });
  const files = ['a.dat', 'b.dat'].map((name) => path.join(inputDir, name));
  await writeFile(files[0] ?? '', datFile([line('TXN-1'), line('TXN-2')]));
  await writeFile(files[1] ?? '', datFile([line('TXN-3')]));
  const seen: Array<{ done: number; doing?: string }> = [];
  let total = -1;
  let completed = false;
  const recorder = (bytes: number): Progress => {
    total = bytes;
    return { update: (done, doing) => seen.push({ done, doing }), complete: () => (completed = true), stop: () => undefined };
  };
  const outcome = await ingestFiles(lake, files, { progress: recorder });
  t.is(outcome.newBatches, 2);
  t.true(completed);
  const named = [...new Set(seen.flatMap((update) => (update.doing ? [update.doing] : [])))];
  // The two files are one group: each is named through its own steps and the commit, then the
  // group's work tables go in one cleanup.
  for (const name of ['a.dat', 'b.dat']) {
    t.deepEqual(
      named.filter((doing) => doing.startsWith(`${name}: `)),
      ['land', ...BATCH_STEPS.filter((step) => step !== 'cleanup')].map((step) => `${name}: ${step}`),
    );
  }
  t.is(named.at(-1), 'cleanup');
  const dones = seen.map((update) => update.done);
  t.true(dones.every((done, i) => i === 0 || done >= (dones[i - 1] ?? 0)), JSON.stringify(dones));
  t.is(dones.at(-1), total);
  // Inside the files, not only between them: at a file's gold step the bar is past the start and
  // short of the end, and past where the landing left it.
  const landed = seen.filter((update) => update.doing?.endsWith(': land')).at(-1);
  const goldOfA = seen.find((update) => update.doing === 'a.dat: gold');
  t.true(goldOfA !== undefined && landed !== undefined && goldOfA.done > landed.done && goldOfA.done < total, JSON.stringify({ landed, goldOfA, total }));
});

test('the generate bar ends at 100 % on a terminal', async (t) => {
  const dir = await scratch(t);
  // `script` gives the command a pseudo-terminal, as a person's shell does; the bar draws only on one.
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} generate --size 1MB --files 2 --out ${JSON.stringify(path.join(dir, 'gen'))}`;
  const { stdout } = await promisify(execFile)('script', ['-qec', command, '/dev/null']);
  const percentages = [...stdout.matchAll(/generate \[[^\]]*\] (\d+)%/g)].map((match) => Number(match[1]));
  t.true(percentages.length > 0, stdout);
  t.is(percentages.at(-1), 100);
});

test('--dedupe-horizon-days N loads again an id whose gold row is dated more than N days earlier; 0 is refused', async (t) => {
  const dir = await scratch(t);
  const lake = path.join(dir, 'lake');
  await writeFile(path.join(dir, 'early.dat'), datFile([line('TXN-OLD', { transaction_ts: '2026-01-20 08:00:00' }), line('TXN-RECENT', { transaction_ts: '2026-02-19 08:00:00' })]));
  await writeFile(path.join(dir, 'later.dat'), datFile([line('TXN-OLD'), line('TXN-RECENT')]));
  const refused = await procureflow(['ingest', path.join(dir, 'early.dat'), '--lake', lake, '--dedupe-horizon-days', '0']);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /option '--dedupe-horizon-days <n>' argument '0' is invalid\. Expected at least 1\./);
  const early = await procureflow(['ingest', path.join(dir, 'early.dat'), '--lake', lake]);
  t.is(early.code, 0, early.stderr);
  const later = await procureflow(['ingest', path.join(dir, 'later.dat'), '--lake', lake, '--dedupe-horizon-days', '30']);
  t.is(later.code, 0, later.stderr);
  t.is(
    await queryCsv('SELECT transaction_id, source_file FROM cleaned_transactions ORDER BY transaction_id, source_file', lake),
    `transaction_id,source_file\nTXN-OLD,bronze/${path.basename(dir)}/early.dat\nTXN-OLD,bronze/${path.basename(dir)}/later.dat\nTXN-RECENT,bronze/${path.basename(dir)}/early.dat\n`,
  );
});
