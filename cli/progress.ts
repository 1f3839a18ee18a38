// A progress bar on stderr for long work; silent when stderr is not a terminal.
import cliProgress from 'cli-progress';
import { MB } from '../generator/size.ts';

export interface Progress {
  /** Bytes done so far, and optionally what is being done now. */
  update(done: number, doing?: string): void;
  /** The work ended well: the bar shows 100 % (generated files end on a line, short of the estimate). */
  complete(): void;
  stop(): void;
}

/** A bar counting bytes, shown as MB done of MB total with the rate and the current step. */
export function byteProgress(label: string, totalBytes: number): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {doneMb}/{totalMb} MB | {rate} MB/s | ETA {eta_formatted}{doing}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let doing = '';
  const payload = (done: number) => ({
    doneMb: (done / MB).toFixed(0),
    totalMb: (totalBytes / MB).toFixed(0),
    rate: (done / MB / Math.max((Date.now() - started) / 1000, 0.001)).toFixed(0),
    doing: doing ? ` | ${doing}` : '',
  });
  bar.start(totalBytes, 0, payload(0));
  return {
    update: (done, now) => {
      if (now !== undefined) doing = now;
      bar.update(Math.min(done, totalBytes), payload(done));
    },
    complete: () => {
      doing = '';
      bar.update(totalBytes, payload(totalBytes));
    },
    stop: () => bar.stop(),
  };
}
