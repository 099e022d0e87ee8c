// Near-duplicate search over PDQ hashes (256 bits) without a linear scan: multi-index hashing (Norouzi, Punjani and
// Fleet, 2012). The hash is cut into 16 slots of 16 bits and each slot gets its own table from slot value to entries.
// Two hashes within Hamming distance d differ in at most floor(d / 16) bits in some slot (pigeonhole), so probing, in
// every slot, the query's value and each value within that many bits of it finds every candidate; each candidate is
// then checked on all 256 bits. For d ≤ 31 that is 16 slots × 17 probes, about 4,000 candidates at a million hashes,
// most rejected on three words stored beside them in the slot table, in a small WebAssembly loop (pdq-scan.wat).
// Pure: no I/O.

import { PDQ_SCAN_WASM } from './pdq-scan.wasm.js';

/** HMA's confident-match threshold for PDQ. */
export const PDQ_DEFAULT_MAX_DISTANCE = 31;

const WORDS = 8; // 32-bit words per hash
const SLOTS = 16;
const SLOT_BITS = 16;
const SLOT_VALUES = 1 << SLOT_BITS;
const HEX = /^[0-9a-f]{64}$/;

/** Writes the hash's 256 bits as eight 32-bit words into `out` at `offset` (words are big-endian slices of the hex). */
export function parsePdq(hex: string, out: Uint32Array = new Uint32Array(WORDS), offset = 0): Uint32Array {
  if (!HEX.test(hex)) throw new RangeError('A PDQ hash is 64 lower-case hex digits');
  for (let w = 0; w < WORDS; w++) out[offset + w] = Number.parseInt(hex.slice(w * 8, w * 8 + 8), 16) >>> 0;
  return out;
}

export function pdqHex(words: Uint32Array, offset = 0): string {
  let hex = '';
  for (let w = 0; w < WORDS; w++) hex += words[offset + w]!.toString(16).padStart(8, '0');
  return hex;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distance between the hash at `a[ai..]` and the query, stopping early once it exceeds `limit`. */
function distanceWithin(a: Uint32Array, ai: number, query: Uint32Array, limit: number): number {
  let d = 0;
  for (let w = 0; w < WORDS; w++) {
    d += popcount(a[ai + w]! ^ query[w]!);
    if (d > limit) return d;
  }
  return d;
}

export function hammingDistance(a: Uint32Array, b: Uint32Array): number {
  return distanceWithin(a, 0, b, 256);
}

const slotValue = (words: Uint32Array, offset: number, slot: number) =>
  (words[offset + (slot >>> 1)]! >>> ((slot & 1) * SLOT_BITS)) & 0xffff;

/** Every 16-bit mask with at most `radius` bits set. */
function probeMasks(radius: number): Uint16Array {
  const masks: number[] = [];
  for (let m = 0; m < SLOT_VALUES; m++) if (popcount(m) <= radius) masks.push(m);
  return Uint16Array.from(masks);
}

export interface PdqHit {
  /** Position of the hash in the array the index was built from. */
  index: number;
  distance: number;
}

/** Words of each entry copied beside it in every slot table, so most candidates are rejected without a cache miss. */
const INLINE_WORDS = 3;
const scanModule = new WebAssembly.Module(Buffer.from(PDQ_SCAN_WASM, 'base64'));
type Scan = (probes: number, count: number, words: number, offsets: number, inline: number, n: number, max: number, out: number, cap: number, state: number, resume: number) => number;

/** Radius up to 3 (distance up to 63): at most this many probe values per slot. */
const MAX_PROBES = SLOTS * 697;
const OUT_CAPACITY = 16_384;
/** The kernel's memory: probe list, query words per slot, scan state, output, then the slot tables. */
const PROBES_AT = 0;
const WORDS_AT = PROBES_AT + MAX_PROBES * 8;
const STATE_AT = WORDS_AT + SLOTS * INLINE_WORDS * 4;
const OUT_AT = STATE_AT + 8;
const OFFSETS_AT = OUT_AT + OUT_CAPACITY * 4;
const INLINE_AT = OFFSETS_AT + SLOTS * (SLOT_VALUES + 1) * 4;

export class PdqIndex {
  /** The slot tables live in WebAssembly memory for the scan kernel (src/matching/pdq-scan.wat). */
  private readonly memory: WebAssembly.Memory;
  private readonly view: Uint32Array;
  /** Per slot, in slot-value order: each entry's position in `hashes` (read only for the few that pass). */
  private readonly ids: Uint32Array;
  private readonly scan: Scan;
  private readonly masks = new Map<number, Uint16Array>();

  /** `hashes` holds hashes of eight words each (see `parsePdq`); the index keeps it, without copying. */
  constructor(readonly hashes: Uint32Array) {
    if (hashes.length % WORDS !== 0) throw new RangeError('hashes must hold whole 256-bit hashes');
    const n = hashes.length / WORDS;
    const bytes = INLINE_AT + SLOTS * n * INLINE_WORDS * 4;
    if (bytes > 2 ** 32) throw new RangeError(`A PDQ index holds at most ${Math.floor((2 ** 32 - INLINE_AT) / (SLOTS * INLINE_WORDS * 4))} hashes`);
    const pages = Math.ceil(bytes / 65_536);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.view = new Uint32Array(this.memory.buffer);
    this.ids = new Uint32Array(SLOTS * n);
    // Per slot, a counting sort by slot value: where each value's bucket starts, then the entries in that order.
    for (let s = 0; s < SLOTS; s++) {
      const offsets = new Uint32Array(this.memory.buffer, OFFSETS_AT + s * (SLOT_VALUES + 1) * 4, SLOT_VALUES + 1);
      for (let i = 0; i < n; i++) offsets[slotValue(hashes, i * WORDS, s) + 1]!++;
      for (let v = 0; v < SLOT_VALUES; v++) offsets[v + 1]! += offsets[v]!;
      const cursor = offsets.slice(0, SLOT_VALUES);
      const inline = new Uint32Array(this.memory.buffer, INLINE_AT + s * n * INLINE_WORDS * 4, n * INLINE_WORDS);
      const first = s >>> 1;
      for (let i = 0; i < n; i++) {
        const k = cursor[slotValue(hashes, i * WORDS, s)]!++;
        this.ids[s * n + k] = i;
        for (let j = 0; j < INLINE_WORDS; j++) inline[k * INLINE_WORDS + j] = hashes[i * WORDS + ((first + 1 + j) % WORDS)]!;
      }
    }
    this.scan = (new WebAssembly.Instance(scanModule, { env: { memory: this.memory } }).exports as { scan: Scan }).scan;
  }

  get size(): number {
    return this.hashes.length / WORDS;
  }

  /** Bytes held: the hashes, the slot tables and the positions. */
  get byteLength(): number {
    return this.hashes.byteLength + this.memory.buffer.byteLength + this.ids.byteLength;
  }

  /** Every entry within `maxDistance` bits of the query, nearest first. */
  search(query: Uint32Array, maxDistance: number): PdqHit[] {
    if (!Number.isInteger(maxDistance) || maxDistance < 0 || maxDistance > 63) throw new RangeError('maxDistance must be 0 to 63');
    const radius = Math.floor(maxDistance / SLOTS);
    let masks = this.masks.get(radius);
    if (!masks) this.masks.set(radius, (masks = probeMasks(radius)));
    const view = this.view;
    let count = 0;
    for (let s = 0; s < SLOTS; s++) {
      const value = slotValue(query, 0, s);
      const first = s >>> 1;
      for (let j = 0; j < INLINE_WORDS; j++) view[WORDS_AT / 4 + s * INLINE_WORDS + j] = query[(first + 1 + j) % WORDS]!;
      for (let m = 0; m < masks.length; m++, count++) {
        view[PROBES_AT / 4 + count * 2] = s;
        view[PROBES_AT / 4 + count * 2 + 1] = value ^ masks[m]!;
      }
    }
    const n = this.size;
    const found = new Map<number, number>();
    for (let resume = 0; ; resume = 1) {
      // Candidates whose 96 stored bits are within the threshold; each is then checked on all 256.
      const kept = this.scan(PROBES_AT, count, WORDS_AT, OFFSETS_AT, INLINE_AT, n, maxDistance, OUT_AT, OUT_CAPACITY, STATE_AT, resume);
      for (let c = 0; c < kept; c++) {
        const i = this.ids[view[OUT_AT / 4 + c]!]!;
        if (found.has(i)) continue;
        const d = distanceWithin(this.hashes, i * WORDS, query, maxDistance);
        if (d <= maxDistance) found.set(i, d);
      }
      if (view[STATE_AT / 4]! >= count) break;
    }
    return [...found].map(([index, distance]) => ({ index, distance })).sort((a, b) => a.distance - b.distance || a.index - b.index);
  }
}

/** The baseline the index is measured and checked against: every entry compared with the query. */
export function linearScan(hashes: Uint32Array, query: Uint32Array, maxDistance: number): PdqHit[] {
  const hits: PdqHit[] = [];
  for (let i = 0, n = hashes.length / WORDS; i < n; i++) {
    const d = distanceWithin(hashes, i * WORDS, query, maxDistance);
    if (d <= maxDistance) hits.push({ index: i, distance: d });
  }
  return hits.sort((a, b) => a.distance - b.distance || a.index - b.index);
}
