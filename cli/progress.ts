// A progress bar on stderr for long work; silent when stderr is not a terminal.
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

const MB = 1024 * 1024;

/** A bar counting bytes, shown as MB done of MB total with the rate. */
export function byteProgress(label: string, totalBytes: number): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {doneMb}/{totalMb} MB | {rate} MB/s | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  const payload = (done: number) => ({
    doneMb: (done / MB).toFixed(0),
    totalMb: (totalBytes / MB).toFixed(0),
    rate: (done / MB / Math.max((Date.now() - started) / 1000, 0.001)).toFixed(0),
  });
  bar.start(totalBytes, 0, payload(0));
  return {
    update: (done) => bar.update(Math.min(done, totalBytes), payload(done)),
    stop: () => bar.stop(),
  };
}
