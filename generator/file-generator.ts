import { CR, LF } from './ascii.ts';
import { HEADER } from './columns.ts';
import type { ResolvedDirt } from './dirt-rates.ts';
import { DuplicateWindow } from './duplicate-window.ts';
import { FieldEdits } from './field-edits.ts';
import type { FilePlan } from './file-plan.ts';
import { emptyTxn, Market } from './market.ts';
import { piece, type Piece } from './packed-ascii.ts';
import { Sfc32 } from './prng.ts';
import { formatTransactionId, IdCounter, RecordFormatter } from './record-format.ts';
import { rejectLine } from './reject-dirt.ts';
import { emptyRejectCounts, type RejectCounts } from './reject-reasons.ts';
import { RejectSchedule } from './reject-schedule.ts';
import { NULL_TOKENS, planCaseAndWhitespace, planNullTokens } from './valid-dirt.ts';

/** Room kept free at the end of a buffer: no line, dirty or not, is longer. */
export const MAX_LINE_BYTES = 1024;
/** How far back (in valid lines) an exact duplicate may copy from. */
const DUPLICATE_WINDOW = 16;
const T_SEPARATOR_SHARE = 0.02;
const GUEST_TOKEN_SHARE = 0.2;
const MARKET_STREAM = 0x3a7c3;
const FILE_STREAM = 0xf11e;

export interface GeneratorConfig {
  seed: number;
  dirt: ResolvedDirt;
}

export interface FileCounts {
  /** Data lines: header and blank lines excluded. */
  lines: number;
  exactDuplicates: number;
  resentIds: number;
  rejects: RejectCounts;
  blankLines: number;
}

/**
 * Produces one file's bytes, chunk by chunk, into caller-supplied buffers. All randomness
 * comes from a stream keyed by (seed, file index), so the bytes do not depend on the chunk
 * size, on other files, or on which thread runs it.
 *
 * Each data line is drawn as one of: an exact copy of a recent valid line, a resent id from an
 * earlier file, a reject without transaction id, or a fresh line. Fresh lines take the next
 * transaction id; the RejectSchedule decides from that id whether (and why) it is a reject.
 */
export class FileGenerator {
  readonly counts: FileCounts = { lines: 0, exactDuplicates: 0, resentIds: 0, rejects: emptyRejectCounts(), blankLines: 0 };
  private readonly rng: Sfc32;
  private readonly market: Market;
  private readonly formatter: RecordFormatter;
  private readonly schedule: RejectSchedule;
  private readonly ids: IdCounter;
  private readonly txn = emptyTxn();
  private readonly crlf: boolean;
  // Cumulative thresholds of one uniform draw choosing the line kind, then the valid-line variant.
  private readonly duplicateBelow: number;
  private readonly resentBelow: number;
  private readonly missingIdBelow: number;
  private readonly nullTokensBelow: number;
  private readonly caseBelow: number;
  private readonly blankRate: number;
  private readonly secondsPerLine: number;
  private fresh = 0;
  private lastSeconds: number;
  private headerWritten = false;
  // The chunk being filled, as bytes, as a DataView for packed writes, and as a Buffer for latin1 strings.
  private bytes: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(this.bytes.buffer);
  private out: Buffer = Buffer.alloc(0);
  // A valid line that gets edits is formatted here first, then copied out with the edits applied.
  private readonly scratchBytes = new Uint8Array(MAX_LINE_BYTES);
  private readonly scratchView = new DataView(this.scratchBytes.buffer);
  private readonly edits = new FieldEdits();
  private readonly window = new DuplicateWindow(DUPLICATE_WINDOW, MAX_LINE_BYTES);

  constructor(
    config: GeneratorConfig,
    private readonly plan: FilePlan,
  ) {
    const { dirt, seed } = config;
    this.rng = new Sfc32(seed, FILE_STREAM, plan.index);
    ({ market: this.market, formatter: this.formatter } = marketModel(seed));
    this.schedule = new RejectSchedule(seed, dirt);
    this.ids = new IdCounter(plan.firstId);
    this.crlf = dirt.crlf;
    this.duplicateBelow = dirt.exactDuplicate;
    this.resentBelow = this.duplicateBelow + (plan.firstId > plan.datasetFirstId ? dirt.resentId : 0);
    this.missingIdBelow = this.resentBelow + dirt.reject.missing_transaction_id;
    this.nullTokensBelow = dirt.nullTokens;
    this.caseBelow = this.nullTokensBelow + dirt.caseAndWhitespace;
    this.blankRate = dirt.blankLines;
    this.secondsPerLine = plan.spanSeconds / Math.max(1, plan.freshLines);
    this.lastSeconds = plan.startSeconds;
  }

  /** Write the next lines into `buffer`; returns the bytes written, 0 once the file is complete. */
  fill(buffer: Buffer): number {
    if (buffer.length < 4 * MAX_LINE_BYTES) throw new Error(`Buffer too small: ${buffer.length} bytes`);
    this.out = buffer;
    this.bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
    const limit = buffer.length - MAX_LINE_BYTES;
    let pos = 0;
    if (!this.headerWritten) {
      pos = this.endLine(this.writeText(0, HEADER));
      this.headerWritten = true;
    }
    const lines = this.plan.freshLines;
    // Keep this loop trivial: a long-running loop is only optimised by on-stack replacement, which
    // V8 may not redo after a deopt, while writeLine is called millions of times and re-optimises fast.
    while (this.fresh < lines && pos <= limit) pos = this.writeLine(pos);
    this.window.carry(this.bytes);
    return pos;
  }

  /** One data line (of a kind drawn at random), its line end, and maybe a blank line after it. */
  private writeLine(pos: number): number {
    const kind = this.rng.float();
    if (kind < this.duplicateBelow && this.window.count > 0) pos = this.writeDuplicate(pos);
    else if (kind >= this.duplicateBelow && kind < this.resentBelow) pos = this.writeResent(pos);
    else if (kind >= this.resentBelow && kind < this.missingIdBelow) pos = this.writeMissingId(pos);
    else pos = this.writeFresh(pos);
    pos = this.endLine(pos);
    this.counts.lines++;
    if (this.blankRate > 0 && this.rng.float() < this.blankRate) {
      pos = this.endLine(pos);
      this.counts.blankLines++;
    }
    return pos;
  }

  private writeFresh(pos: number): number {
    const rng = this.rng;
    const txn = this.txn;
    const id = this.ids.current;
    txn.seconds = this.plan.startSeconds + Math.floor((this.fresh + rng.float()) * this.secondsPerLine);
    txn.useT = rng.float() < T_SEPARATOR_SHARE;
    this.market.draw(rng, txn);
    this.lastSeconds = txn.seconds;
    const reason = this.schedule.forId(id);
    const start = pos;
    if (reason !== null) {
      pos = this.writeText(pos, rejectLine(reason, this.formatter.fields(id, txn), rng));
      this.counts.rejects[reason]++;
    } else {
      pos = this.writeValid(pos, this.ids.piece);
      this.window.remember(start, pos);
    }
    this.ids.increment();
    this.fresh++;
    return pos;
  }

  /** A valid line: mostly straight from the formatter, sometimes with null tokens or padding and odd case. */
  private writeValid(pos: number, id: Piece): number {
    const rng = this.rng;
    // Guest sales mostly leave customer_id empty; some spell the null out (NULL, N/A, \N...).
    if (this.txn.customer === 0 && rng.float() < GUEST_TOKEN_SHARE) this.txn.guestSpelling = 1 + rng.below(NULL_TOKENS.length - 1);
    const variant = rng.float();
    if (variant >= this.caseBelow) return this.formatter.write(this.view, pos, id, this.txn);
    const length = this.formatter.write(this.scratchView, 0, id, this.txn);
    const edits = this.edits;
    edits.reset();
    if (variant < this.nullTokensBelow) planNullTokens(edits, rng);
    else planCaseAndWhitespace(edits, rng);
    return edits.apply(this.bytes, pos, this.scratchBytes, length);
  }

  private writeDuplicate(pos: number): number {
    this.counts.exactDuplicates++;
    return this.window.copy(this.rng.below(this.window.count), this.bytes, pos);
  }

  private writeResent(pos: number): number {
    const id = this.pickEarlierValidId();
    if (id === null) return this.writeFresh(pos);
    this.drawAtLastTime();
    this.counts.resentIds++;
    return this.writeValid(pos, piece(formatTransactionId(id)));
  }

  private writeMissingId(pos: number): number {
    this.drawAtLastTime();
    this.counts.rejects.missing_transaction_id++;
    return this.writeText(pos, rejectLine('missing_transaction_id', this.formatter.fields(0, this.txn), this.rng));
  }

  /** A transaction at the time of the previous fresh line, so time never goes backwards. */
  private drawAtLastTime(): void {
    this.txn.seconds = this.lastSeconds;
    this.txn.useT = this.rng.float() < T_SEPARATOR_SHARE;
    this.market.draw(this.rng, this.txn);
  }

  /** A random id of an earlier file whose line was valid (so it reached gold), or null if none found. */
  private pickEarlierValidId(): number | null {
    const span = this.plan.firstId - this.plan.datasetFirstId;
    for (let attempt = 0; attempt < 64; attempt++) {
      const id = this.plan.datasetFirstId + this.rng.below(span);
      if (this.schedule.forId(id) === null) return id;
    }
    return null;
  }

  /** A line given as a latin1 string (one char per byte): the header and the rare, string-built reject lines. */
  private writeText(pos: number, line: string): number {
    if (line.length > MAX_LINE_BYTES - 2) throw new Error(`Generated line too long (${line.length} bytes)`);
    return pos + this.out.write(line, pos, 'latin1');
  }

  private endLine(pos: number): number {
    const bytes = this.bytes;
    if (this.crlf) bytes[pos++] = CR;
    bytes[pos] = LF;
    return pos + 1;
  }
}

let lastModel: { seed: number; market: Market; formatter: RecordFormatter } | undefined;

/**
 * The market and its precomputed line pieces depend only on the seed: share them between the
 * files a thread generates instead of leaving megabytes of tables per file to the GC.
 */
function marketModel(seed: number): { market: Market; formatter: RecordFormatter } {
  if (lastModel?.seed !== seed) {
    const market = new Market(seed, new Sfc32(seed, MARKET_STREAM));
    lastModel = { seed, market, formatter: new RecordFormatter(market) };
  }
  return lastModel;
}
