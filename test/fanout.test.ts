// The live fan-out on its own: groups share one execution, members keep their own access checks, pace and lifetime.
import { GraphQLError, type ExecutionResult } from 'graphql';
import { MessageType, stringifyMessage } from 'graphql-ws';
import { Repeater } from 'graphql-yoga';
import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LiveFanout, nextMessage, writeNext, type SharedLive } from '../src/live/fanout.js';
import type { Role } from '../src/policy/index.js';
import type { ReviewerAccess } from '../src/services/reviewers.js';

const REVIEWER: Role[] = ['REVIEWER'];

/** A fan-out whose access records the test controls, and sources the test pushes results into. */
function setup() {
  const access = new Map<string, ReviewerAccess>();
  /** The access generation reads report, and what events carry (`undefined`: events of unknown generation). */
  const state: { generation: number; eventGeneration: number | undefined } = { generation: 0, eventGeneration: undefined };
  const reads: string[][] = [];
  let failReads: Error | null = null;
  const gauge = new Gauge({ name: 'active', help: 'active', registers: [new Registry()] });
  const fanout = new LiveFanout({
    readAccess: async (ids) => {
      if (failReads) throw failReads;
      reads.push([...ids].sort());
      return { access: new Map(ids.flatMap((id) => (access.has(id) ? [[id, access.get(id)!] as const] : []))), generation: state.generation };
    },
    activeSubscriptions: gauge,
  });
  const sources: Array<{ push(r: ExecutionResult): Promise<void>; closed: boolean; live: SharedLive; stop(error?: unknown): void }> = [];
  const start = (live: SharedLive) => {
    const source = { push: async (_: ExecutionResult) => {}, closed: false, live, stop: (_?: unknown) => {} };
    sources.push(source);
    return new Repeater<ExecutionResult>(async (push, stop) => {
      source.push = async (r) => {
        source.live.arrived(state.eventGeneration);
        // Execution takes a while after the event arrives; the access read runs meanwhile.
        await new Promise((resolve) => setImmediate(resolve));
        await push(r);
      };
      source.stop = (error) => stop(error);
      await stop;
      source.closed = true;
    });
  };
  const grant = (...ids: string[]) => ids.forEach((id) => access.set(id, { revokedRoles: [], suspended: false }));
  const count = async () => (await gauge.get()).values[0]?.value ?? 0;
  const breakReads = (error: Error) => (failReads = error);
  return { fanout, access, reads, sources, start, grant, count, breakReads, state };
}

const result = (n: number): ExecutionResult => ({ data: { n } });
const iterate = async (stream: unknown) => (stream as AsyncIterableIterator<ExecutionResult>)[Symbol.asyncIterator]();
/** What each member's client was sent, by user id: the serialized results, in order. */
const sent = new Map<string, string[]>();
const member = (userId: string, roles = REVIEWER) => {
  sent.set(userId, []);
  return { userId, roles, send: (payload: string) => sent.get(userId)!.push(payload) };
};
const received = (userId: string) => sent.get(userId)!.map((p) => JSON.parse(p) as ExecutionResult);
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('live fan-out', () => {
  it('runs one execution for subscribers with the same key and hands every result to each, in order', async () => {
    const { fanout, sources, start, grant, count, reads } = setup();
    grant('a', 'b', 'c');
    const a = await iterate(await fanout.subscribe('k', member('a'), start));
    const b = await iterate(await fanout.subscribe('k', member('b'), start));
    const c = await iterate(await fanout.subscribe('other', member('c'), start));
    expect(sources).toHaveLength(2);
    expect(fanout.groupCount).toBe(2);
    expect(await count()).toBe(3);

    await sources[0]!.push(result(1));
    await sources[0]!.push(result(2));
    await tick();
    expect([received('a'), received('b')]).toEqual([[result(1), result(2)], [result(1), result(2)]]);
    // Serialized once for the group: every member was sent the same text.
    expect(sent.get('a')).toEqual(sent.get('b'));
    // One access read per event for the whole group (these events carry no access generation).
    expect(reads).toEqual([['a', 'b'], ['a', 'b']]);
    await sources[1]!.push(result(3));
    await tick();
    expect(received('c')).toEqual([result(3)]);
    // The streams graphql-ws iterates stay open, yielding nothing themselves, until their members end.
    const pending = [a, b, c].map((m) => m.next());
    await a.return!();
    expect(await pending[0]).toEqual({ value: undefined, done: true });
    expect(fanout.memberCount).toBe(2);
  });

  it('ends a member whose roles were withdrawn, who was suspended or whose record vanished; the others go on', async () => {
    const { fanout, access, sources, start, grant } = setup();
    grant('keep', 'revoked', 'suspended');
    const members = await Promise.all(['keep', 'revoked', 'suspended', 'vanished'].map(async (id) => iterate(await fanout.subscribe('k', member(id), start))));
    access.set('revoked', { revokedRoles: ['REVIEWER'], suspended: false });
    access.set('suspended', { revokedRoles: [], suspended: true });
    await sources[0]!.push(result(1));
    await tick();
    expect(['keep', 'revoked', 'suspended', 'vanished'].map(received)).toEqual([[result(1)], [], [], []]);
    const ended = await Promise.all(members.slice(1).map((m) => m.next()));
    expect(ended.map((r) => r.done)).toEqual([true, true, true]);
    expect(fanout.memberCount).toBe(1);
  });

  it('reads access only for events of a newer access generation than it holds, and for newcomers', async () => {
    const { fanout, access, sources, start, grant, reads, state } = setup();
    grant('a', 'b', 'c');
    state.generation = state.eventGeneration = 3;
    await fanout.subscribe('k', member('a'), start);
    const b = await iterate(await fanout.subscribe('k', member('b'), start));
    await sources[0]!.push(result(1));
    await sources[0]!.push(result(2));
    await tick();
    expect(reads).toEqual([['a', 'b']]);
    await fanout.subscribe('k', member('c'), start);
    await sources[0]!.push(result(3));
    await tick();
    expect(reads).toEqual([['a', 'b'], ['c']]);
    expect(['a', 'b', 'c'].map(received)).toEqual([[result(1), result(2), result(3)], [result(1), result(2), result(3)], [result(3)]]);

    // An access change commits: events from then on are of the next generation, and access is read again, once.
    access.set('b', { revokedRoles: ['REVIEWER'], suspended: false });
    state.generation = state.eventGeneration = 4;
    await sources[0]!.push(result(4));
    await sources[0]!.push(result(5));
    await tick();
    expect(reads).toEqual([['a', 'b'], ['c'], ['a', 'b', 'c']]);
    expect((await b.next()).done).toBe(true);
    expect(['a', 'b', 'c'].map((id) => received(id).slice(3 - (id === 'c' ? 2 : 0)))).toEqual([[result(4), result(5)], [], [result(4), result(5)]]);

    // An event of unknown generation (from an instance that predates it) is always read for.
    state.eventGeneration = undefined;
    await sources[0]!.push(result(6));
    await tick();
    expect(reads.at(-1)).toEqual(['a', 'c']);
    expect(fanout.memberCount).toBe(2);
  });

  it('sends a result to every member in one pass, whatever any member has not yet read', async () => {
    const { fanout, sources, start, grant } = setup();
    const ids = Array.from({ length: 50 }, (_, i) => `m${i}`);
    grant(...ids);
    // Nobody iterates these streams: delivery does not wait on a member's reading.
    for (const id of ids) await fanout.subscribe('k', member(id), start);
    for (let n = 1; n <= 30; n++) await sources[0]!.push(result(n));
    await tick();
    const expected = Array.from({ length: 30 }, (_, i) => result(i + 1));
    for (const id of ids) expect(received(id)).toEqual(expected);
  });

  it('buffers for a client that stopped reading up to a limit, then closes its socket so it reconnects', () => {
    const written: string[] = [];
    const closed: Array<[number, string]> = [];
    const socket = { OPEN: 1 as const, readyState: 1 as 0 | 1 | 2 | 3, bufferedAmount: 0, send: (m: string) => written.push(m), close: (code: number, why: string) => closed.push([code, why]) };
    writeNext(socket, '7', '{"data":{}}', 100);
    socket.bufferedAmount = 100;
    writeNext(socket, '7', '{"data":{}}', 100);
    expect(written).toHaveLength(2);
    socket.bufferedAmount = 101;
    writeNext(socket, '7', '{"data":{}}', 100);
    expect(written).toHaveLength(2);
    expect(closed).toEqual([[1013, 'Too far behind: reconnect']]);
    socket.readyState = 3;
    writeNext(socket, '7', '{"data":{}}', 100);
    expect([written.length, closed.length]).toEqual([2, 1]);
  });

  it('writes the message graphql-ws writes', () => {
    const value: ExecutionResult = { data: { queueUpdates: { kind: 'ADDED', note: 'quote " and \\ and \u2028' } }, errors: [new GraphQLError('placeholder error', { path: ['queueUpdates'] })] };
    const { errors, ...rest } = value;
    expect(nextMessage('sub-"1"', JSON.stringify(value))).toBe(stringifyMessage({ id: 'sub-"1"', type: MessageType.Next, payload: { ...rest, errors: errors!.map((e) => (e as GraphQLError).toJSON()) } }));
  });

  it('closes the shared execution with its last member, and starts afresh for the next subscriber', async () => {
    const { fanout, sources, start, grant, count } = setup();
    grant('a', 'b');
    const a = await iterate(await fanout.subscribe('k', member('a'), start));
    const b = await iterate(await fanout.subscribe('k', member('b'), start));
    await a.return!();
    await tick();
    expect(sources[0]!.closed).toBe(false);
    await b.return!();
    await tick();
    expect(sources[0]!.closed).toBe(true);
    expect(fanout.groupCount).toBe(0);
    expect(await count()).toBe(0);
    await fanout.subscribe('k', member('a'), start);
    expect(sources).toHaveLength(2);
  });

  it('gives a failed start back to its subscriber alone, and a failing execution to every member', async () => {
    const { fanout, sources, start, grant } = setup();
    grant('a', 'b');
    const refused = { errors: [] } as ExecutionResult;
    expect(await fanout.subscribe('k', member('a'), () => refused)).toBe(refused);
    expect(fanout.groupCount).toBe(0);

    const a = await iterate(await fanout.subscribe('k', member('a'), start));
    const b = await iterate(await fanout.subscribe('k', member('b'), start));
    const pending = a.next();
    sources[0]!.stop(new Error('execution failed'));
    await expect(pending).rejects.toThrow('execution failed');
    await expect(b.next()).rejects.toThrow('execution failed');
    expect(fanout.groupCount).toBe(0);
  });

  it('fails the members, without an unhandled rejection, when their access cannot be read', async () => {
    const { fanout, sources, start, grant, breakReads } = setup();
    grant('a');
    const a = await iterate(await fanout.subscribe('k', member('a'), start));
    breakReads(new Error('database unavailable'));
    const pushed = sources[0]!.push(result(1));
    await tick();
    await expect(a.next()).rejects.toThrow('database unavailable');
    await pushed;
    expect(fanout.groupCount).toBe(0);
  });
});
