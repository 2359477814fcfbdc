// The verifier's database: SQLite through sql.js (SQLite compiled to WebAssembly), in memory
// or persisted to a file. A file-backed database is exported after every write and replaces
// the file whole (written beside it, fsynced, renamed), so a crash leaves the old or the new
// state, never a torn one. Two tables: the nonces the verifier issued, and appraisal results.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import initSqlJs, { type Database, type SqlValue } from 'sql.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS nonces (
  device    TEXT    NOT NULL,
  nonce     BLOB    NOT NULL,
  issued_at INTEGER NOT NULL,          -- ms since 1970, the verifier's clock
  used_at   INTEGER,                   -- NULL until an answer used it
  PRIMARY KEY (device, nonce)
);
CREATE TABLE IF NOT EXISTS appraisals (
  id       INTEGER PRIMARY KEY,
  device   TEXT    NOT NULL,
  time     INTEGER NOT NULL,           -- ms since 1970
  status   TEXT    NOT NULL,           -- affirming | warning | contraindicated
  findings TEXT    NOT NULL,           -- JSON array of findings
  ear      TEXT                        -- the EAR JSON
);
CREATE INDEX IF NOT EXISTS appraisals_by_device ON appraisals (device, time);
`;

export interface AppraisalRow {
  readonly id: number;
  readonly device: string;
  readonly time: number;
  readonly status: string;
  readonly findings: unknown[];
  readonly ear: unknown;
}

export class VerifierDb {
  private constructor(private readonly db: Database, private readonly path: string | null) {}

  /** Opens (or creates) the database at `path`, or an in-memory one when `path` is null. */
  static async open(path: string | null): Promise<VerifierDb> {
    const SQL = await initSqlJs();
    let data: Uint8Array | undefined;
    if (path) {
      try {
        data = new Uint8Array(readFileSync(path));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    const v = new VerifierDb(new SQL.Database(data), path);
    v.db.exec(SCHEMA);
    v.persist();
    return v;
  }

  /** Runs one writing statement and persists; returns the number of rows changed. */
  write(sql: string, params: SqlValue[]): number {
    this.db.run(sql, params);
    const n = this.db.getRowsModified();
    if (n > 0) this.persist();
    return n;
  }

  /** All rows of a query, as arrays of column values. */
  rows(sql: string, params: SqlValue[] = []): SqlValue[][] {
    const st = this.db.prepare(sql);
    try {
      st.bind(params);
      const out: SqlValue[][] = [];
      while (st.step()) out.push(st.get());
      return out;
    } finally {
      st.free();
    }
  }

  storeAppraisal(device: string, time: number, status: string, findings: unknown[], ear: unknown): void {
    this.write('INSERT INTO appraisals (device, time, status, findings, ear) VALUES (?, ?, ?, ?, ?)', [device, time, status, JSON.stringify(findings), JSON.stringify(ear)]);
  }

  /** The newest `limit` appraisals of a device, newest first. */
  appraisals(device: string, limit = 20): AppraisalRow[] {
    return this.rows('SELECT id, device, time, status, findings, ear FROM appraisals WHERE device = ? ORDER BY time DESC, id DESC LIMIT ?', [device, limit]).map((r) => ({
      id: r[0] as number, device: r[1] as string, time: r[2] as number, status: r[3] as string,
      findings: JSON.parse(r[4] as string) as unknown[], ear: r[5] === null ? null : JSON.parse(r[5] as string),
    }));
  }

  private persist(): void {
    if (!this.path) return;
    const tmp = `${this.path}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      const bytes = this.db.export();
      writeSync(fd, bytes, 0, bytes.length);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }

  close(): void {
    this.db.close();
  }
}
