// One DuckDB session that speaks the fake's Trino (the project's compatibility macros and the
// fake's own, trino-macros.ts), opened on first use in a temporary folder, running one piece of
// work at a time on its one connection. The fake Athena runs statements on it; the model's
// column planner plans them on it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDbSession } from '../../handlers/local/duckdb-session.ts';
import { FAKE_TRINO_MACROS } from './trino-macros.ts';

export class TrinoDuck {
  private session: Promise<{ db: DuckDbSession; dir: string }> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly options: { name: string; memoryLimit: string; threads: number; settings?: string[] },
  ) {}

  /** The session and its folder, opened on first use. */
  open(): Promise<{ db: DuckDbSession; dir: string }> {
    this.session ??= (async () => {
      const dir = await mkdtemp(path.join(tmpdir(), `procureflow-${this.options.name}-`));
      const db = await DuckDbSession.open({ memoryLimit: this.options.memoryLimit, threads: this.options.threads, spillDir: path.join(dir, 'spill') });
      for (const statement of [...FAKE_TRINO_MACROS, ...(this.options.settings ?? [])]) await db.run(statement);
      return { db, dir };
    })();
    return this.session;
  }

  /** Runs work after every earlier piece of work has ended (one connection, one statement at a time). */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Waits for the work under way, closes the session and removes its folder. */
  async close(): Promise<void> {
    if (!this.session) return;
    const { db, dir } = await this.session;
    await this.queue;
    db.close();
    await rm(dir, { recursive: true, force: true });
    this.session = undefined;
  }
}
