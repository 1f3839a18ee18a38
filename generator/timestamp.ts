import { packedTable, piece, writePiece } from './packed-ascii.ts';

export const SECONDS_PER_DAY = 86_400;

/** UTC seconds since the epoch of a calendar date at midnight. */
export function epochSeconds(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / 1000;
}

/** Days since 1970-01-01 → [year, month 1..12, day 1..31] (Howard Hinnant's civil_from_days). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

let cachedDay = Number.NaN;
let cachedDate = '';

/** `YYYY-MM-DD HH:MM:SS`, or with `T` between date and time. */
export function formatTimestamp(seconds: number, useT: boolean): string {
  const day = Math.floor(seconds / SECONDS_PER_DAY);
  if (day !== cachedDay) {
    const [year, month, dom] = civilFromDays(day);
    cachedDate = `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(dom)}`;
    cachedDay = day;
  }
  return `${cachedDate}${useT ? 'T' : ' '}${formatTimeOfDay(seconds - day * SECONDS_PER_DAY)}`;
}

/** Seconds since midnight → `HH:MM:SS`. */
function formatTimeOfDay(t: number): string {
  return `${pad2(Math.floor(t / 3600))}:${pad2(Math.floor(t / 60) % 60)}:${pad2(t % 60)}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `HH:MM:SS` of every second of a day, two packed words each (691 KB, read almost sequentially). */
const TIME_OF_DAY = packedTable(SECONDS_PER_DAY, 2, formatTimeOfDay);

/**
 * Writes timestamps as packed ASCII. Lines of a file are in time order, so the date part is
 * rebuilt only when the day changes; the time of day is a table lookup.
 */
export class TimestampWriter {
  private day = Number.NaN;
  private withSpace = piece('');
  private withT = piece('');

  write(view: DataView, pos: number, seconds: number, useT: boolean): number {
    const day = Math.floor(seconds / SECONDS_PER_DAY);
    if (day !== this.day) this.setDay(day);
    pos = writePiece(view, pos, useT ? this.withT : this.withSpace);
    const t = (seconds - day * SECONDS_PER_DAY) * 2;
    view.setUint32(pos, TIME_OF_DAY[t] as number, true);
    view.setUint32(pos + 4, TIME_OF_DAY[t + 1] as number, true);
    return pos + 8;
  }

  private setDay(day: number): void {
    const date = formatTimestamp(day * SECONDS_PER_DAY, false).slice(0, 10);
    this.withSpace = piece(`${date} `);
    this.withT = piece(`${date}T`);
    this.day = day;
  }
}
