// Shared execution of live subscriptions over WebSocket. Subscribers whose operation, variables and roles are the same
// would each execute every event alike; instead they join one group, which runs the subscription once and hands each
// result, serialized once, to every member. What stays per member: before every event the member's access is checked,
// and a member whose roles were withdrawn or who was suspended is ended; each member's socket buffers for it, so a slow
// client delays nobody; a member leaves the moment its client goes, and the group's subscription closes with its last
// member.
//
// The access check needs no read while nothing has changed. Every event carries the access generation its change
// committed under (AuditChainHead.accessGeneration, which a trigger moves with every access change). Access read at
// that generation or later already reflects every change committed before the event, so it is used as it is; an event
// from a newer generation (or of unknown generation) has the group re-read its members' access first, in one query.
import type { ExecutionResult } from 'graphql';
import type { Gauge } from 'prom-client';
import type { WebSocket } from 'ws';
import type { Role } from '../policy/index.js';
import { accessCurrentFor, grantedRoles, type AccessRead, type KnownAccess } from '../services/reviewers.js';

type Results = AsyncIterable<ExecutionResult>;
type Started = Results | ExecutionResult;

export interface LiveMember {
  userId: string;
  /** The member's roles when it joined; the group executes with exactly these. */
  roles: Role[];
  /** Writes one result, serialized as JSON, to the member's client. */
  send(payload: string): void;
}

/** Handed to the group's execution: it calls `arrived` once an event will be executed, so member checks start too. */
export interface SharedLive {
  /** `accessGeneration` is the event's; without one, every member's access is read afresh. */
  arrived(accessGeneration?: number): void;
}

export interface FanoutOptions {
  /** Access of each reviewer id (a missing id has none), read afresh with the generation it is current for. */
  readAccess(ids: string[]): Promise<AccessRead>;
  activeSubscriptions: Gauge;
}

const isStream = (value: Started): value is Results => typeof (value as Results)[Symbol.asyncIterator] === 'function';
const sameRoles = (a: readonly Role[], b: readonly Role[]) => a.length === b.length && a.every((r) => b.includes(r));

export class LiveFanout {
  private readonly groups = new Map<string, Group>();

  constructor(private readonly options: FanoutOptions) {}

  /** Subscribers now, across groups (for tests and metrics). */
  get memberCount(): number {
    let n = 0;
    for (const group of this.groups.values()) n += group.members.size;
    return n;
  }

  get groupCount(): number {
    return this.groups.size;
  }

  /**
   * Joins the group for `key`, starting it with `start` (the subscription executed for the group) when there is none.
   * A start that fails (an error result instead of a stream) goes back to this subscriber alone and forms no group.
   */
  async subscribe(key: string, member: LiveMember, start: (live: SharedLive) => Promise<Started> | Started): Promise<Started> {
    let group = this.groups.get(key);
    if (!group) {
      const live: SharedLive = { arrived: () => {} };
      const started = await start(live);
      if (!isStream(started)) return started;
      // Another subscriber may have formed the group while this one started: join it and drop the spare stream.
      group = this.groups.get(key);
      if (group) void started[Symbol.asyncIterator]().return?.();
      else {
        const created = new Group(started, member.roles, this.options, () => this.groups.delete(key));
        live.arrived = (generation) => created.arrived(generation);
        this.groups.set(key, (group = created));
      }
    }
    return group.add(member);
  }
}

class Group {
  readonly members = new Set<MemberStream>();
  private readonly source: AsyncIterator<ExecutionResult>;
  private closed = false;
  /** Per member user: their access (none when the record is gone) and the generation it was read at. */
  private readonly known = new Map<string, KnownAccess>();
  /** Members per user id, so `known` forgets a user with their last member. */
  private readonly users = new Map<string, number>();
  /** The event being executed: its generation, and the read of stale access started when it arrived. */
  private pending: { generation: number | undefined; read: Promise<void>; ids: Set<string> } | null = null;

  constructor(
    stream: Results,
    private readonly roles: Role[],
    private readonly options: FanoutOptions,
    private readonly forget: () => void,
  ) {
    this.source = stream[Symbol.asyncIterator]();
    void this.pump();
  }

  arrived(generation?: number) {
    const ids = this.stale([...this.members], generation);
    const read = this.refresh(ids);
    // The pump awaits it (and fails the members if it fails); until then a failure must not go unhandled.
    read.catch(() => {});
    this.pending = { generation, read, ids: new Set(ids) };
  }

  /** Users whose access is not known to be current for an event of `generation`, less those just read for it. */
  private stale(members: MemberStream[], generation: number | undefined, fresh = new Set<string>()) {
    const ids = new Set<string>();
    for (const { member } of members) {
      if (fresh.has(member.userId)) continue;
      const known = this.known.get(member.userId);
      if (!known || !accessCurrentFor(known.generation, generation)) ids.add(member.userId);
    }
    return [...ids];
  }

  private async refresh(ids: string[]) {
    if (ids.length === 0) return;
    // Read after the event committed, so the generation read is at least the event's.
    const { access, generation } = await this.options.readAccess(ids);
    for (const id of ids) if (this.users.has(id)) this.known.set(id, { access: access.get(id), generation });
  }

  add(member: LiveMember): MemberStream {
    const stream = new MemberStream(member, () => this.remove(stream));
    this.members.add(stream);
    this.users.set(member.userId, (this.users.get(member.userId) ?? 0) + 1);
    this.options.activeSubscriptions.inc();
    return stream;
  }

  private remove(stream: MemberStream) {
    if (!this.members.delete(stream)) return;
    const id = stream.member.userId;
    const left = this.users.get(id)! - 1;
    if (left > 0) this.users.set(id, left);
    else {
      this.users.delete(id);
      this.known.delete(id);
    }
    this.options.activeSubscriptions.dec();
    if (this.members.size === 0) void this.close();
  }

  private async close() {
    if (this.closed) return;
    this.closed = true;
    this.forget();
    for (const member of [...this.members]) member.end();
    await this.source.return?.();
  }

  private async pump() {
    try {
      for (;;) {
        const next = await this.source.next();
        if (next.done || this.closed) break;
        const { generation, read, ids } = this.pending ?? { generation: undefined, read: Promise.resolve(), ids: new Set<string>() };
        this.pending = null;
        await read;
        const members = [...this.members];
        // Members who joined after the event arrived are read now.
        await this.refresh(this.stale(members, generation, ids));
        let payload: string | undefined;
        for (const stream of members) {
          const roles = grantedRoles(stream.member.roles, this.known.get(stream.member.userId)?.access);
          if (roles && sameRoles(roles, this.roles)) stream.send(payload ??= JSON.stringify(next.value));
          else stream.end();
        }
      }
    } catch (error) {
      for (const member of [...this.members]) member.fail(error);
    } finally {
      await this.close();
    }
  }
}

/**
 * One member. Results go straight to its client through `member.send`, serialized once for the whole group, so they
 * leave in one synchronous pass over the members and a slow client's socket buffers its own: nobody waits for it.
 * graphql-ws iterates this stream for the subscription's lifetime only: it yields no results itself, and completes
 * (or fails) when the member ends.
 */
class MemberStream implements AsyncIterableIterator<ExecutionResult> {
  private ended = false;
  private readonly finished: Promise<IteratorResult<ExecutionResult>>;
  private settle!: { resolve(r: IteratorResult<ExecutionResult>): void; reject(e: unknown): void };

  constructor(
    readonly member: LiveMember,
    private readonly leave: () => void,
  ) {
    this.finished = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // A failure is handed to graphql-ws when it next asks; until then it must not count as unhandled.
    this.finished.catch(() => {});
  }

  send(payload: string) {
    if (!this.ended) this.member.send(payload);
  }

  /** No more results: the stream completes. */
  end() {
    if (this.ended) return;
    this.ended = true;
    this.leave();
    this.settle.resolve({ value: undefined, done: true });
  }

  fail(error: unknown) {
    if (this.ended) return;
    this.ended = true;
    this.leave();
    this.settle.reject(error);
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.finished;
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.end();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/**
 * The graphql-ws `next` message for subscription `id` around an already serialized result: the text graphql-ws itself
 * writes (`stringifyMessage`), built without serializing the result again for every member.
 */
export const nextMessage = (id: string, payload: string) => `{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`;

/** Bytes that may wait on one socket before its client counts as too far behind to catch up. */
export const SOCKET_BUFFER_LIMIT = 8 * 1024 * 1024;

type Socket = Pick<WebSocket, 'readyState' | 'OPEN' | 'bufferedAmount' | 'send' | 'close'>;

/**
 * Writes a `next` message to a member's socket. A client that has stopped reading gets its messages buffered, up to
 * `limit` bytes; past that its socket is closed with 1013 (try again later), which frees everything it held, and a
 * graphql-ws client reconnects and resubscribes.
 */
export function writeNext(socket: Socket, id: string, payload: string, limit = SOCKET_BUFFER_LIMIT) {
  if (socket.readyState !== socket.OPEN) return;
  if (socket.bufferedAmount > limit) socket.close(1013, 'Too far behind: reconnect');
  else socket.send(nextMessage(id, payload));
}
