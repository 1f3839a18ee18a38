// Progress of a seeding run. The ObjectStore port's write takes a stream and reports nothing
// until it is done, so the bytes are counted on their way into it, by a pass-through transform.
// What has been handed to the store is at most a few parts ahead of what it has sent (the S3
// upload buffers partSize × queueSize), which is close enough for a bar.
import { Transform, type TransformCallback } from 'node:stream';

export interface SeedProgress {
  /** Estimated: landed sizes where known, the planned average elsewhere. */
  totalBytes: number;
  /** Bytes in objects that have landed (this run's uploads and the ones skipped). */
  landedBytes: number;
  /** Bytes handed to the store so far, in-flight uploads included. */
  sentBytes: number;
  totalParts: number;
  landedParts: number;
  skippedParts: number;
}

export class SeedProgressTracker {
  private readonly progress: SeedProgress;
  private readonly inFlight = new Map<number, number>();

  constructor(
    totalParts: number,
    plannedPartBytes: number,
    skipped: Iterable<{ size: number }>,
    private readonly onProgress?: (progress: SeedProgress) => void,
  ) {
    let landedBytes = 0;
    let landedParts = 0;
    for (const part of skipped) {
      landedBytes += part.size;
      landedParts++;
    }
    const totalBytes = landedBytes + (totalParts - landedParts) * plannedPartBytes;
    this.progress = { totalBytes, landedBytes, sentBytes: landedBytes, totalParts, landedParts, skippedParts: landedParts };
  }

  /** A pass-through that counts the bytes of part `index` (from zero again on a retry). */
  counter(index: number): Transform {
    this.inFlight.set(index, 0);
    return new Transform({
      transform: (chunk: Buffer, _encoding, callback: TransformCallback) => {
        this.inFlight.set(index, (this.inFlight.get(index) ?? 0) + chunk.length);
        this.report();
        callback(null, chunk);
      },
    });
  }

  /** Part `index` ended without landing: its bytes no longer count as sent. */
  dropped(index: number): void {
    this.inFlight.delete(index);
    this.report();
  }

  landed(index: number, size: number): void {
    this.inFlight.delete(index);
    this.progress.landedBytes += size;
    this.progress.landedParts++;
    this.report();
  }

  report(): void {
    let sending = 0;
    for (const bytes of this.inFlight.values()) sending += bytes;
    this.progress.sentBytes = this.progress.landedBytes + sending;
    this.onProgress?.({ ...this.progress });
  }
}
