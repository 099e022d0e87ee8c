// The embedded database is reachable only by this process's user: it listens on a Unix socket in a private (0700)
// directory, never on TCP, so nobody else on the machine can connect to it as its superuser.
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openDatabase, type Database } from '../src/db/database.js';

/** The local ports this process listens on over TCP (IPv4 and IPv6), read from /proc. */
function listeningTcpPorts(): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // the descriptor closed while we read
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // st 0A is LISTEN; column 9 is the socket's inode
      if (cols[3] === '0A' && inodes.has(cols[9]!)) ports.add(parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

const embeddedOnly = !process.env.DATABASE_URL;

describe.runIf(embeddedOnly)('embedded database transport', () => {
  let before: Set<number>;
  let db: Database;
  beforeAll(async () => {
    before = listeningTcpPorts();
    db = await openDatabase({ dataDir: 'memory://' });
  });
  afterAll(() => db?.close());

  it('opens no TCP listener', async () => {
    const added = [...listeningTcpPorts()].filter((p) => !before.has(p));
    expect(added).toEqual([]);
    // and the application still reaches it
    expect((await db.pool.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
  });

  it('listens on a Unix socket in a directory only its owner can enter', async () => {
    const host = db.target.host;
    expect(host.startsWith('/')).toBe(true);
    const dirMode = statSync(host).mode & 0o777;
    expect(dirMode).toBe(0o700);
    const socket = statSync(`${host}/.s.PGSQL.5432`);
    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o077).toBe(0);
    expect(statSync(host).uid).toBe(process.getuid!());
  });

  it('no other client reaches it over TCP as superuser', async () => {
    // Whatever TCP port the database opened, a stranger's client connecting to it as postgres, without a password,
    // must not get a session.
    const opened = [...listeningTcpPorts()].filter((p) => !before.has(p));
    let sessions = 0;
    for (const port of opened) {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('SELECT current_user');
        sessions += 1;
      } catch {
        // refused: good
      } finally {
        await client.end().catch(() => {});
      }
    }
    expect(sessions).toBe(0);
  });

  it('the socket disappears when the database closes', async () => {
    const other = await openDatabase({ dataDir: 'memory://' });
    const host = other.target.host;
    expect(statSync(host).isDirectory()).toBe(true);
    await other.close();
    expect(() => statSync(host)).toThrow();
  });
});
