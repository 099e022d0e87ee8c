// The in-memory PDQ index of every matching-enabled hash bank, kept at the generation the database holds.
// The database is the truth: each change to a bank bumps its generation, and rows record the generation that added or
// removed them. Before every search the caller reads the banks' generations (one small query) and `sync` brings each
// bank up to date: a full load when the bank is new here or far behind, otherwise a catch-up on the rows changed since.
// So every instance matches against what is committed, whether or not it heard another instance's change. Change
// notices (`notify`, through Redis between instances) only start that work early.
import { errorForLog } from '../log-safety.js';
import type { PrismaClient } from '../db/database.js';
import type { Category } from '../policy/index.js';
import type { Logger } from '../logger.js';
import { PdqIndex, hammingDistance, parsePdq, pdqHex } from './pdq.js';

export interface BankInfo {
  id: string;
  name: string;
  source: string;
  category: Category;
  matchingEnabled: boolean;
  generation: number;
}

export interface PdqBankHit {
  bankId: string;
  /** The bank's hash. */
  value: string;
  distance: number;
}

interface LoadedBank {
  generation: number;
  base: PdqIndex;
  /** Positions in `base` removed since it was built. */
  removed: Set<number>;
  /** Hashes added since `base` was built. */
  added: Map<string, Uint32Array>;
}

const LOAD_PAGE = 65_536;
/** A bank further behind than this many changed rows is loaded afresh; this many pending edits trigger a rebuild. */
const CATCH_UP_LIMIT = 4_096;

export const readBanks = (prisma: PrismaClient): Promise<BankInfo[]> =>
  prisma.hashBank.findMany({
    select: { id: true, name: true, source: true, category: true, matchingEnabled: true, generation: true },
    orderBy: { name: 'asc' },
  });

export class PdqBankIndex {
  private readonly banks = new Map<string, LoadedBank>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private refreshing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly prisma: PrismaClient,
    readonly maxDistance: number,
    private readonly options: {
      logger?: Logger;
      /** Tells every instance, this one included, that a bank changed (the app wires it to its pub/sub). */
      broadcast?: () => void;
    } = {},
  ) {}

  /** After a committed bank change: every instance refreshes now rather than at its next match. */
  changed(): void {
    if (this.options.broadcast) this.options.broadcast();
    else this.notify();
  }

  /** Reads the banks and brings the index up to date; at start and on change notices. */
  async refresh(): Promise<BankInfo[]> {
    const banks = await readBanks(this.prisma);
    await this.sync(banks);
    return banks;
  }

  /** Starts a refresh without waiting for it; failures are logged and retried by the next search. */
  notify(): void {
    this.refreshing = Promise.all([this.refreshing, this.refresh().catch((err: unknown) => this.options.logger?.warn({ error: errorForLog(err) }, 'hash bank index refresh failed'))]);
  }

  /** Resolves once the refreshes started so far have finished (before closing the database). */
  async settled(): Promise<void> {
    await this.refreshing;
  }

  /** Brings every matching-enabled bank in `banks` to (at least) its generation there, and forgets the rest. */
  async sync(banks: BankInfo[]): Promise<void> {
    const wanted = new Map(banks.filter((b) => b.matchingEnabled).map((b) => [b.id, b.generation]));
    for (const id of this.banks.keys()) if (!wanted.has(id)) this.banks.delete(id);
    await Promise.all([...wanted].map(([id, generation]) => this.syncBank(id, generation)));
  }

  private async syncBank(id: string, generation: number): Promise<void> {
    // One load per bank at a time; a caller that needs a newer generation than the running load waits and goes again.
    while ((this.banks.get(id)?.generation ?? 0) < generation) {
      let running = this.inFlight.get(id);
      if (!running) {
        running = this.update(id, generation).finally(() => this.inFlight.delete(id));
        this.inFlight.set(id, running);
      }
      await running;
    }
  }

  private async update(id: string, generation: number): Promise<void> {
    const loaded = this.banks.get(id);
    if (loaded) {
      const changed = await this.prisma.$queryRaw<Array<{ value: string; present: boolean }>>`
        SELECT value, "removedGeneration" IS NULL AS present FROM "BankHash"
        WHERE "bankId" = ${id}::uuid AND algorithm = 'PDQ'
          AND ("addedGeneration" > ${loaded.generation} OR "removedGeneration" > ${loaded.generation})
        LIMIT ${CATCH_UP_LIMIT + 1}`;
      if (changed.length <= CATCH_UP_LIMIT) {
        for (const row of changed) (row.present ? addTo : removeFrom)(loaded, row.value);
        loaded.generation = Math.max(loaded.generation, generation);
        if (loaded.added.size + loaded.removed.size > CATCH_UP_LIMIT) this.banks.set(id, compact(loaded));
        return;
      }
    }
    const started = performance.now();
    const base = new PdqIndex(await this.loadHashes(id));
    // Rows committed after `generation` was read may be in the load already; catching up later re-applies them harmlessly.
    this.banks.set(id, { generation, base, removed: new Set(), added: new Map() });
    this.options.logger?.info({ bankId: id, generation, hashes: base.size, ms: Math.round(performance.now() - started) }, 'hash bank loaded');
  }

  /** The bank's present PDQ hashes as 32-bit words, read in pages of hex joined by the database. */
  private async loadHashes(id: string): Promise<Uint32Array> {
    const pages: Uint8Array[] = [];
    let after = '';
    for (;;) {
      const [page] = await this.prisma.$queryRaw<Array<{ bytes: Uint8Array | null; last: string | null }>>`
        SELECT decode(string_agg(value, ''), 'hex') AS bytes, max(value) AS last FROM (
          SELECT value FROM "BankHash"
          WHERE "bankId" = ${id}::uuid AND algorithm = 'PDQ' AND "removedGeneration" IS NULL AND value > ${after}
          ORDER BY value LIMIT ${LOAD_PAGE}
        ) page`;
      if (!page?.bytes || !page.last) break;
      pages.push(page.bytes);
      after = page.last;
      if (page.bytes.length < LOAD_PAGE * 32) break;
    }
    const total = pages.reduce((sum, p) => sum + p.length, 0);
    const words = new Uint32Array(total / 4);
    let w = 0;
    for (const page of pages) {
      const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
      for (let b = 0; b < page.length; b += 4) words[w++] = view.getUint32(b, false);
    }
    return words;
  }

  /** Every loaded bank hash within the threshold of `hex`, nearest first. Call `sync` first. */
  search(hex: string, bankIds?: ReadonlySet<string>): PdqBankHit[] {
    const query = parsePdq(hex);
    const hits: PdqBankHit[] = [];
    for (const [bankId, bank] of this.banks) {
      if (bankIds && !bankIds.has(bankId)) continue;
      for (const hit of bank.base.search(query, this.maxDistance)) {
        if (!bank.removed.has(hit.index)) hits.push({ bankId, value: pdqHex(bank.base.hashes, hit.index * 8), distance: hit.distance });
      }
      for (const [value, words] of bank.added) {
        const distance = hammingDistance(words, query);
        if (distance <= this.maxDistance) hits.push({ bankId, value, distance });
      }
    }
    return hits.sort((a, b) => a.distance - b.distance || (a.value < b.value ? -1 : 1));
  }

  stats(): { banks: number; hashes: number; bytes: number } {
    let hashes = 0;
    let bytes = 0;
    for (const bank of this.banks.values()) {
      hashes += bank.base.size - bank.removed.size + bank.added.size;
      bytes += bank.base.byteLength + bank.added.size * 32;
    }
    return { banks: this.banks.size, hashes, bytes };
  }
}

/** Positions in the base holding exactly this hash (at most one: a bank holds a hash once). */
const exactly = (bank: LoadedBank, words: Uint32Array) => bank.base.search(words, 0).map((h) => h.index);

function addTo(bank: LoadedBank, hex: string) {
  if (bank.added.has(hex)) return;
  const words = parsePdq(hex);
  const inBase = exactly(bank, words);
  if (inBase.length) for (const i of inBase) bank.removed.delete(i);
  else bank.added.set(hex, words);
}

function removeFrom(bank: LoadedBank, hex: string) {
  if (bank.added.delete(hex)) return;
  for (const i of exactly(bank, parsePdq(hex))) bank.removed.add(i);
}

/** A fresh base of what the bank holds now, once the pending edits grow past the catch-up limit. */
function compact(bank: LoadedBank): LoadedBank {
  const { base, removed, added } = bank;
  const words = new Uint32Array((base.size - removed.size + added.size) * 8);
  let w = 0;
  for (let i = 0; i < base.size; i++) {
    if (removed.has(i)) continue;
    words.set(base.hashes.subarray(i * 8, i * 8 + 8), w);
    w += 8;
  }
  for (const hash of added.values()) {
    words.set(hash, w);
    w += 8;
  }
  return { generation: bank.generation, base: new PdqIndex(words), removed: new Set(), added: new Map() };
}
