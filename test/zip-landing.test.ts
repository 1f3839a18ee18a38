// A .zip landed in bronze: .dat members become batches; other members are skipped; unsafe
// names, bombs and corrupt archives are refused without landing anything they should not.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { assertBalance, datFile, deliver, goldRow, goldRows, landContent, line, openTestLake, type TestLake } from './helpers/local-lake.ts';
import { zipArchive } from './helpers/zip-writer.ts';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

const bronzeFiles = (lake: TestLake) => filesUnder(lake.lake.layout.bucketDir('bronze'));

test('a zip with two .dat members and a README: two batches committed, the README skipped', async (t) => {
  const lake = await openTestLake(t);
  const zip = await zipArchive([
    { name: 'b.dat', data: datFile([line('TXN-B1'), line('TXN-A1', { customer_id: 'C-later' })]) },
    { name: 'README.txt', data: 'read me' },
    { name: 'a.dat', data: datFile([line('TXN-A1'), line('TXN-A2', { quantity: '0' })]), method: 'store' },
  ]);
  const results = await deliver(lake, [await landContent(lake, 'drop.zip', zip)]);
  t.deepEqual(
    results.map((result) => [result.sourceFile, result.status]),
    [
      ['bronze/drop.zip', 'unpacked'],
      ['bronze/drop.unzipped/a.dat', 'committed'],
      ['bronze/drop.unzipped/b.dat', 'committed'],
    ],
  );
  t.like(results[0], { members: ['drop.unzipped/a.dat', 'drop.unzipped/b.dat'], skipped: ['README.txt'], refused: [] });
  // Members are processed in name order, so a.dat's TXN-A1 is the first write.
  t.deepEqual(await goldRows(lake), [
    goldRow('TXN-A1', 'drop.unzipped/a.dat'),
    goldRow('TXN-B1', 'drop.unzipped/b.dat'),
  ]);
  for (const result of results.slice(1)) {
    if (result.status !== 'committed' || !result.figures) return t.fail();
    await assertBalance(t, lake, result.figures, 2);
  }
  t.deepEqual(await bronzeFiles(lake), ['drop.unzipped/a.dat', 'drop.unzipped/b.dat', 'drop.zip']);
});

test('entries with ../ or an absolute path are refused and written nowhere; the others are processed', async (t) => {
  const lake = await openTestLake(t);
  const root = path.dirname(lake.lake.layout.root);
  const zip = await zipArchive([
    { name: '../evil.dat', data: datFile([line('TXN-EVIL1')]) },
    { name: '/tmp/procureflow-evil-absolute.dat', data: datFile([line('TXN-EVIL2')]) },
    { name: 'sub/../../evil2.dat', data: datFile([line('TXN-EVIL3')]) },
    { name: 'good.dat', data: datFile([line('TXN-G1')]) },
  ]);
  const results = await deliver(lake, [await landContent(lake, 'mixed.zip', zip)]);
  t.like(results[0], {
    status: 'unpacked',
    members: ['mixed.unzipped/good.dat'],
    skipped: [],
    refused: [
      { entry: '../evil.dat', reason: 'path climbs out with ..' },
      { entry: '/tmp/procureflow-evil-absolute.dat', reason: 'absolute path' },
      { entry: 'sub/../../evil2.dat', reason: 'path climbs out with ..' },
    ],
  });
  t.deepEqual(
    results.slice(1).map((result) => result.status),
    ['committed'],
  );
  t.deepEqual(await goldRows(lake), [goldRow('TXN-G1', 'mixed.unzipped/good.dat')]);
  t.deepEqual(await bronzeFiles(lake), ['mixed.unzipped/good.dat', 'mixed.zip']);
  t.false(existsSync('/tmp/procureflow-evil-absolute.dat'));
  const everywhere = await filesUnder(root);
  t.deepEqual(
    everywhere.filter((file) => /evil/.test(file)),
    [],
  );
});

test('a zip bomb is refused with a clear error and nothing is landed', async (t) => {
  const lake = await openTestLake(t);
  const zip = await zipArchive([
    { name: 'ok.dat', data: datFile([line('TXN-1')]) },
    { name: 'zeros.dat', data: Buffer.alloc(50 * 1024 * 1024) },
  ]);
  t.true(zip.length < 1024 * 1024);
  const results = await deliver(lake, [await landContent(lake, 'bomb.zip', zip)]);
  t.is(results.length, 1);
  // Refused, not failed: the verdict would be the same on every retry (issue 7 item 11).
  t.like(results[0], { sourceFile: 'bronze/bomb.zip', status: 'refused' });
  t.regex(results[0]?.status === 'refused' ? results[0].reason : '', /^bomb\.zip: zip refused: member zeros\.dat expands \d+×, more than the limit of 200×$/);
  t.deepEqual(await bronzeFiles(lake), ['bomb.zip']);
  t.deepEqual(await goldRows(lake), []);
});

test('a zip whose members unpack past the total size limit is refused', async (t) => {
  const lake = await openTestLake(t, { zipLimits: { maxTotalBytes: 900, maxRatio: 200, maxEntries: 10 } });
  const zip = await zipArchive([
    { name: 'a.dat', data: datFile([line('TXN-1'), line('TXN-2'), line('TXN-3'), line('TXN-4'), line('TXN-5'), line('TXN-6'), line('TXN-7')]), method: 'store' },
    { name: 'b.dat', data: datFile([line('TXN-8')]), method: 'store' },
  ]);
  const results = await deliver(lake, [await landContent(lake, 'big.zip', zip)]);
  t.like(results[0], { status: 'refused' });
  t.regex(results[0]?.status === 'refused' ? results[0].reason : '', /^big\.zip: zip refused: unpacks to \d+ bytes, more than the limit of 900$/);
  t.deepEqual(await bronzeFiles(lake), ['big.zip']);
});

test('a corrupt zip is refused with a clear message; the next landing of the event still runs', async (t) => {
  const lake = await openTestLake(t);
  const good = await zipArchive([{ name: 'a.dat', data: datFile([line('TXN-1')]) }]);
  const corrupt = Buffer.concat([good.subarray(0, 40), Buffer.from('this is not the rest of a zip')]);
  const results = await deliver(lake, [await landContent(lake, 'broken.zip', corrupt), await landContent(lake, 'after.dat', datFile([line('TXN-2')]))]);
  t.deepEqual(
    results.map((result) => [result.sourceFile, result.status]),
    [
      ['bronze/broken.zip', 'refused'],
      ['bronze/after.dat', 'committed'],
    ],
  );
  t.regex(results[0]?.status === 'refused' ? results[0].reason : '', /^broken\.zip: zip refused: .+/);
  t.deepEqual(await goldRows(lake), [goldRow('TXN-2', 'after.dat')]);
  t.deepEqual(await bronzeFiles(lake), ['after.dat', 'broken.zip']);
});

test('a Finder zip: AppleDouble entries are skipped, a hidden member name lands visible, an upper-case .DAT member loads', async (t) => {
  const lake = await openTestLake(t);
  const zip = await zipArchive([
    { name: '__MACOSX/._a.dat', data: Buffer.from([0, 5, 22, 7, 0, 2, 0, 0]) },
    { name: 'sub/._b.dat', data: Buffer.from([0, 5, 22, 7]) },
    { name: '_export.dat', data: datFile([line('TXN-H1')]) },
    { name: 'UP.DAT', data: datFile([line('TXN-U1')]) },
  ]);
  const results = await deliver(lake, [await landContent(lake, 'finder.zip', zip)]);
  t.like(results[0], { status: 'unpacked', members: ['finder.unzipped/UP.DAT', 'finder.unzipped/x_export.dat'], skipped: ['__MACOSX/._a.dat', 'sub/._b.dat'], refused: [] });
  t.deepEqual(results.slice(1).map((result) => [result.sourceFile, result.status]), [
    ['bronze/finder.unzipped/UP.DAT', 'committed'],
    ['bronze/finder.unzipped/x_export.dat', 'committed'],
  ]);
  t.deepEqual(await bronzeFiles(lake), ['finder.unzipped/UP.DAT', 'finder.unzipped/x_export.dat', 'finder.zip']);
});
