// A discrete-event clock for benches and tests that run real code in virtual time.
//
// Sleepers wait on virtual timers; the clock advances to the earliest timer only when nothing can
// run without it: no tracked call is doing real work (`track`), and nothing new happened (no
// timer set, no call started or ended) during one whole turn of the event loop, so every promise
// continuation and nextTick scheduled before has run. Timers wake one at a time in (wake time,
// order set) order. The handler's Timing (now/sleep/random) and the fake's clock are this object,
// so a query's modelled end, a poll's backoff and a throttling retry share one time line.
import type { Timing } from '../../handlers/aws/backoff.ts';

interface Timer {
  at: number;
  order: number;
  wake: () => void;
}

/** A binary min-heap of timers by (at, order). */
class TimerHeap {
  private readonly items: Timer[] = [];

  get size(): number {
    return this.items.length;
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  push(timer: Timer): void {
    const items = this.items;
    items.push(timer);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.less(items[index] as Timer, items[parent] as Timer)) break;
      [items[index], items[parent]] = [items[parent] as Timer, items[index] as Timer];
      index = parent;
    }
  }

  pop(): Timer | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < items.length && this.less(items[left] as Timer, items[smallest] as Timer)) smallest = left;
        if (right < items.length && this.less(items[right] as Timer, items[smallest] as Timer)) smallest = right;
        if (smallest === index) break;
        [items[index], items[smallest]] = [items[smallest] as Timer, items[index] as Timer];
        index = smallest;
      }
    }
    return top;
  }
}

/** mulberry32: a small seeded generator, so a bench's jitter is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class VirtualClock {
  private current: number;
  private readonly timers = new TimerHeap();
  private order = 0;
  private busy = 0;
  private activity = 0;
  private checking = false;
  /** Timers woken so far (a bench prints it as the work the clock did). */
  woken = 0;
  readonly timing: Timing;

  constructor(start = 0, seed = 1) {
    this.current = start;
    const random = seeded(seed);
    this.timing = { now: () => this.current, sleep: (ms) => this.sleep(ms), random };
  }

  now(): number {
    return this.current;
  }

  /** Resolves once virtual time has advanced by `ms` (at least 0). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.push({ at: this.current + Math.max(0, ms), order: this.order++, wake: resolve });
      this.activity++;
      this.poke();
    });
  }

  /** Runs real (non-virtual) async work; the clock does not advance while any is under way. */
  async track<T>(work: () => Promise<T> | T): Promise<T> {
    this.busy++;
    this.activity++;
    try {
      return await work();
    } finally {
      this.busy--;
      this.activity++;
      this.poke();
    }
  }

  private poke(): void {
    if (this.checking) return;
    this.checking = true;
    const seen = this.activity;
    setImmediate(() => this.settle(seen));
  }

  /** Called once per event-loop turn until the process is quiet, then wakes the earliest timer. */
  private settle(seen: number): void {
    if (this.busy > 0 || this.timers.size === 0) {
      // A tracked call's end, or the next sleep, pokes again.
      this.checking = false;
      return;
    }
    if (this.activity !== seen) {
      const now = this.activity;
      setImmediate(() => this.settle(now));
      return;
    }
    const timer = this.timers.pop() as Timer;
    this.current = Math.max(this.current, timer.at);
    this.woken++;
    this.checking = false;
    timer.wake();
    if (this.timers.size > 0) this.poke();
  }
}
