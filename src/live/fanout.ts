// Shared execution of live subscriptions over WebSocket. Subscribers whose operation, variables and roles are the same
// would each execute every event alike; instead they join one group, which runs the subscription once and hands each
// result to every member. What stays per member: before every event the member's access is read afresh (one query
// for all members of the group), and a member whose roles were withdrawn or who was suspended is ended; each member
// has its own queue, so a slow client delays nobody; a member leaves the moment its client goes, and the group's
// subscription closes with its last member.
import type { ExecutionResult } from 'graphql';
import type { Gauge } from 'prom-client';
import type { Role } from '../policy/index.js';
import { effectiveRoles, type ReviewerAccess } from '../services/reviewers.js';

type Results = AsyncIterable<ExecutionResult>;
type Started = Results | ExecutionResult;

export interface LiveMember {
  userId: string;
  /** The member's roles when it joined; the group executes with exactly these. */
  roles: Role[];
}

/** Handed to the group's execution: it calls `arrived` once an event will be executed, so member checks start too. */
export interface SharedLive {
  arrived(): void;
}

export interface FanoutOptions {
  /** Access of each reviewer id, read afresh (a missing id has none). */
  readAccess(ids: string[]): Promise<Map<string, ReviewerAccess>>;
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
      const live = { arrived: () => {} };
      const started = await start(live);
      if (!isStream(started)) return started;
      // Another subscriber may have formed the group while this one started: join it and drop the spare stream.
      group = this.groups.get(key);
      if (group) void started[Symbol.asyncIterator]().return?.();
      else {
        const created = new Group(started, member.roles, this.options, () => this.groups.delete(key));
        live.arrived = () => created.arrived();
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
  /** The members' access, read from when the event arrived, alongside its execution. */
  private access: Promise<Map<string, ReviewerAccess>> | null = null;

  constructor(
    stream: Results,
    private readonly roles: Role[],
    private readonly options: FanoutOptions,
    private readonly forget: () => void,
  ) {
    this.source = stream[Symbol.asyncIterator]();
    void this.pump();
  }

  arrived() {
    const read = this.readAccess([...this.members]);
    // The pump awaits it (and fails the members if it fails); until then a failure must not go unhandled.
    read.catch(() => {});
    this.access = read;
  }

  private readAccess(members: MemberStream[]) {
    return this.options.readAccess([...new Set(members.map((m) => m.member.userId))]);
  }

  add(member: LiveMember): MemberStream {
    const stream = new MemberStream(member, () => this.remove(stream));
    this.members.add(stream);
    this.options.activeSubscriptions.inc();
    return stream;
  }

  private remove(stream: MemberStream) {
    if (!this.members.delete(stream)) return;
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
        const members = [...this.members];
        const access = (await this.access) ?? new Map();
        this.access = null;
        const unread = members.filter((m) => !access.has(m.member.userId));
        // Members who joined after the read, or whose record has vanished, are read now.
        if (unread.length) for (const [id, a] of await this.readAccess(unread)) access.set(id, a);
        for (const stream of members) {
          const granted = access.get(stream.member.userId);
          const roles = granted && !granted.suspended ? effectiveRoles(stream.member.roles, granted) : null;
          if (roles && sameRoles(roles, this.roles)) stream.push(next.value);
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

/** One member's results: queued as the group produces them, taken at the member's own pace. */
class MemberStream implements AsyncIterableIterator<ExecutionResult> {
  private readonly queue: ExecutionResult[] = [];
  private waiting: { resolve(r: IteratorResult<ExecutionResult>): void; reject(e: unknown): void } | null = null;
  private ended = false;
  private failure: unknown = null;

  constructor(
    readonly member: LiveMember,
    private readonly leave: () => void,
  ) {}

  push(result: ExecutionResult) {
    if (this.ended) return;
    if (this.waiting) {
      const waiting = this.waiting;
      this.waiting = null;
      waiting.resolve({ value: result, done: false });
    } else this.queue.push(result);
  }

  /** No more results: what is queued is still delivered, then the stream completes. */
  end() {
    if (this.ended) return;
    this.ended = true;
    this.leave();
    if (this.waiting && this.queue.length === 0) {
      const waiting = this.waiting;
      this.waiting = null;
      waiting.resolve({ value: undefined, done: true });
    }
  }

  fail(error: unknown) {
    this.failure = error;
    this.queue.length = 0;
    const waiting = this.waiting;
    this.waiting = null;
    this.end();
    waiting?.reject(error);
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve({ value: queued, done: false });
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.queue.length = 0;
    this.end();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}
