// The bounded-memory line cutter of the cloud repair pass: same limit and mark as the local reader.
import test from 'ava';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buffer } from 'node:stream/consumers';
import { CLOUD_MAX_LINE_BYTES, CUT_MARK, cutLongLines } from '../handlers/aws/long-line-cut.ts';
import { MAX_LINE_BYTES } from '../handlers/local/landed-text-file.ts';

async function cut(chunks: Buffer[], limit: number): Promise<{ out: string; cuts: number }> {
  const cutter = cutLongLines(limit);
  const out = await buffer(Readable.from(chunks).pipe(cutter));
  return { out: out.toString('utf8'), cuts: cutter.cutLines() };
}

test('the cloud limit and mark are the local reader’s', (t) => {
  t.is(CLOUD_MAX_LINE_BYTES, MAX_LINE_BYTES);
  t.deepEqual(CUT_MARK, Buffer.from([0xef, 0xbf, 0xbd]));
});

test('a line over the limit is cut to the limit and marked; shorter lines and line ends pass unchanged', async (t) => {
  const input = 'short\nabcdefghij\r\n12345\rxyz';
  t.deepEqual(await cut([Buffer.from(input)], 5), { out: 'short\nabcde\ufffd\r\n12345\rxyz', cuts: 1 });
});

test('the cut is the same whatever the chunking (one byte at a time)', async (t) => {
  const input = 'aaaaaaaaaa\nbb\ncccccccc';
  const bytes = [...Buffer.from(input)].map((b) => Buffer.from([b]));
  t.deepEqual(await cut(bytes, 4), { out: 'aaaa\ufffd\nbb\ncccc\ufffd', cuts: 2 });
});

test('a line exactly at the limit is not cut; one byte more is', async (t) => {
  t.deepEqual(await cut([Buffer.from('abcd\nabcde\n')], 4), { out: 'abcd\nabcd\ufffd\n', cuts: 1 });
});

test('a 64 MiB line passes through in chunks: output is limit + mark + the rest of the file', async (t) => {
  const MiB = 1024 * 1024;
  const chunk = Buffer.alloc(MiB, 0x41);
  async function* source() {
    yield Buffer.from('head\n');
    for (let i = 0; i < 64; i++) yield chunk;
    yield Buffer.from('\ntail\n');
  }
  const cutter = cutLongLines(CLOUD_MAX_LINE_BYTES);
  let total = 0;
  let largest = 0;
  let tail = '';
  // A Writable sees each piece the cutter pushes, as pushed.
  await pipeline(
    Readable.from(source()),
    cutter,
    new Writable({
      write(piece: Buffer, _encoding, callback) {
        total += piece.length;
        largest = Math.max(largest, piece.length);
        tail = (tail + piece.toString('latin1')).slice(-8);
        callback();
      },
    }),
  );
  t.is(total, 5 + CLOUD_MAX_LINE_BYTES + CUT_MARK.length + 6);
  t.true(largest <= MiB + CUT_MARK.length, 'no piece larger than one input chunk and the mark: nothing is buffered');
  t.is(cutter.cutLines(), 1);
  t.true(tail.endsWith('\ntail\n'));
});
