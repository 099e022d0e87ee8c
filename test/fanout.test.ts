// The live fan-out on its own: groups share one execution, members keep their own access checks, pace and lifetime.
import type { ExecutionResult } from 'graphql';
import { Repeater } from 'graphql-yoga';
import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LiveFanout, type SharedLive } from '../src/live/fanout.js';
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
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('live fan-out', () => {
  it('runs one execution for subscribers with the same key and hands every result to each, in order', async () => {
    const { fanout, sources, start, grant, count, reads } = setup();
    grant('a', 'b', 'c');
    const a = await iterate(await fanout.subscribe('k', { userId: 'a', roles: REVIEWER }, start));
    const b = await iterate(await fanout.subscribe('k', { userId: 'b', roles: REVIEWER }, start));
    const c = await iterate(await fanout.subscribe('other', { userId: 'c', roles: REVIEWER }, start));
    expect(sources).toHaveLength(2);
    expect(fanout.groupCount).toBe(2);
    expect(await count()).toBe(3);

    await sources[0]!.push(result(1));
    await sources[0]!.push(result(2));
    expect([(await a.next()).value, (await a.next()).value]).toEqual([result(1), result(2)]);
    expect([(await b.next()).value, (await b.next()).value]).toEqual([result(1), result(2)]);
    // One access read per event for the whole group.
    expect(reads).toEqual([['a', 'b'], ['a', 'b']]);
    await sources[1]!.push(result(3));
    expect((await c.next()).value).toEqual(result(3));
  });

  it('ends a member whose roles were withdrawn, who was suspended or whose record vanished; the others go on', async () => {
    const { fanout, access, sources, start, grant } = setup();
    grant('keep', 'revoked', 'suspended');
    const members = await Promise.all(['keep', 'revoked', 'suspended', 'vanished'].map(async (id) => iterate(await fanout.subscribe('k', { userId: id, roles: REVIEWER }, start))));
    access.set('revoked', { revokedRoles: ['REVIEWER'], suspended: false });
    access.set('suspended', { revokedRoles: [], suspended: true });
    await sources[0]!.push(result(1));
    const [keep, ...ended] = await Promise.all(members.map((m) => m.next()));
    expect(keep).toEqual({ value: result(1), done: false });
    expect(ended.map((r) => r.done)).toEqual([true, true, true]);
    expect(fanout.memberCount).toBe(1);
  });

  it('reads access only for events of a newer access generation than it holds, and for newcomers', async () => {
    const { fanout, access, sources, start, grant, reads, state } = setup();
    grant('a', 'b', 'c');
    state.generation = state.eventGeneration = 3;
    const a = await iterate(await fanout.subscribe('k', { userId: 'a', roles: REVIEWER }, start));
    const b = await iterate(await fanout.subscribe('k', { userId: 'b', roles: REVIEWER }, start));
    await sources[0]!.push(result(1));
    await sources[0]!.push(result(2));
    expect(reads).toEqual([['a', 'b']]);
    const c = await iterate(await fanout.subscribe('k', { userId: 'c', roles: REVIEWER }, start));
    await sources[0]!.push(result(3));
    expect(reads).toEqual([['a', 'b'], ['c']]);
    for (const m of [a, b]) expect([(await m.next()).value, (await m.next()).value, (await m.next()).value]).toEqual([result(1), result(2), result(3)]);
    expect((await c.next()).value).toEqual(result(3));

    // An access change commits: events from then on are of the next generation, and access is read again, once.
    access.set('b', { revokedRoles: ['REVIEWER'], suspended: false });
    state.generation = state.eventGeneration = 4;
    await sources[0]!.push(result(4));
    await sources[0]!.push(result(5));
    expect(reads).toEqual([['a', 'b'], ['c'], ['a', 'b', 'c']]);
    expect((await b.next()).done).toBe(true);
    for (const m of [a, c]) expect([(await m.next()).value, (await m.next()).value]).toEqual([result(4), result(5)]);

    // An event of unknown generation (from an instance that predates it) is always read for.
    state.eventGeneration = undefined;
    await sources[0]!.push(result(6));
    expect(reads.at(-1)).toEqual(['a', 'c']);
    expect(fanout.memberCount).toBe(2);
  });

  it('queues for a slow member without holding up the others', async () => {
    const { fanout, sources, start, grant } = setup();
    grant('fast', 'slow');
    const fast = await iterate(await fanout.subscribe('k', { userId: 'fast', roles: REVIEWER }, start));
    const slow = await iterate(await fanout.subscribe('k', { userId: 'slow', roles: REVIEWER }, start));
    for (let n = 1; n <= 30; n++) {
      await sources[0]!.push(result(n));
      expect((await fast.next()).value).toEqual(result(n));
    }
    for (let n = 1; n <= 30; n++) expect((await slow.next()).value).toEqual(result(n));
  });

  it('closes the shared execution with its last member, and starts afresh for the next subscriber', async () => {
    const { fanout, sources, start, grant, count } = setup();
    grant('a', 'b');
    const a = await iterate(await fanout.subscribe('k', { userId: 'a', roles: REVIEWER }, start));
    const b = await iterate(await fanout.subscribe('k', { userId: 'b', roles: REVIEWER }, start));
    await a.return!();
    await tick();
    expect(sources[0]!.closed).toBe(false);
    await b.return!();
    await tick();
    expect(sources[0]!.closed).toBe(true);
    expect(fanout.groupCount).toBe(0);
    expect(await count()).toBe(0);
    await fanout.subscribe('k', { userId: 'a', roles: REVIEWER }, start);
    expect(sources).toHaveLength(2);
  });

  it('gives a failed start back to its subscriber alone, and a failing execution to every member', async () => {
    const { fanout, sources, start, grant } = setup();
    grant('a', 'b');
    const refused = { errors: [] } as ExecutionResult;
    expect(await fanout.subscribe('k', { userId: 'a', roles: REVIEWER }, () => refused)).toBe(refused);
    expect(fanout.groupCount).toBe(0);

    const a = await iterate(await fanout.subscribe('k', { userId: 'a', roles: REVIEWER }, start));
    const b = await iterate(await fanout.subscribe('k', { userId: 'b', roles: REVIEWER }, start));
    const pending = a.next();
    sources[0]!.stop(new Error('execution failed'));
    await expect(pending).rejects.toThrow('execution failed');
    await expect(b.next()).rejects.toThrow('execution failed');
    expect(fanout.groupCount).toBe(0);
  });

  it('fails the members, without an unhandled rejection, when their access cannot be read', async () => {
    const { fanout, sources, start, grant, breakReads } = setup();
    grant('a');
    const a = await iterate(await fanout.subscribe('k', { userId: 'a', roles: REVIEWER }, start));
    breakReads(new Error('database unavailable'));
    const pushed = sources[0]!.push(result(1));
    await tick();
    await expect(a.next()).rejects.toThrow('database unavailable');
    await pushed;
    expect(fanout.groupCount).toBe(0);
  });
});
