// Near-duplicate search over PDQ hashes (256 bits) without a linear scan: multi-index hashing (Norouzi, Punjani and
// Fleet, 2012). The hash is cut into 16 slots of 16 bits and each slot gets its own table from slot value to entries.
// Two hashes within Hamming distance d differ in at most floor(d / 16) bits in some slot (pigeonhole), so probing, in
// every slot, the query's value and each value within that many bits of it finds every candidate; each candidate is
// then checked on all 256 bits. For d ≤ 31 that is 16 slots × 17 probes, about 4,000 candidates at a million hashes,
// most rejected on three words stored beside them in the slot table. Pure: no I/O.

export const PDQ_HEX_LENGTH = 64;
/** HMA's confident-match threshold for PDQ. */
export const PDQ_DEFAULT_MAX_DISTANCE = 31;

const WORDS = 8; // 32-bit words per hash
const SLOTS = 16;
const SLOT_BITS = 16;
const SLOT_VALUES = 1 << SLOT_BITS;
const HEX = /^[0-9a-f]{64}$/;

export const isPdqHex = (hex: string) => HEX.test(hex);

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

export class PdqIndex {
  /** Per slot: where each of the 65,536 slot values starts in the slot's tables (counting sort, one end marker). */
  private readonly offsets: Uint32Array[] = [];
  /** Per slot, in slot-value order: three words of each entry (those after the slot's word), and its position. */
  private readonly inline: Uint32Array[] = [];
  private readonly ids: Uint32Array[] = [];
  private readonly masks = new Map<number, Uint16Array>();

  /** `hashes` holds hashes of eight words each (see `parsePdq`); the index keeps it, without copying. */
  constructor(readonly hashes: Uint32Array) {
    if (hashes.length % WORDS !== 0) throw new RangeError('hashes must hold whole 256-bit hashes');
    const n = hashes.length / WORDS;
    for (let s = 0; s < SLOTS; s++) {
      const offsets = new Uint32Array(SLOT_VALUES + 1);
      for (let i = 0; i < n; i++) offsets[slotValue(hashes, i * WORDS, s) + 1]!++;
      for (let v = 0; v < SLOT_VALUES; v++) offsets[v + 1]! += offsets[v]!;
      const cursor = offsets.slice(0, SLOT_VALUES);
      const inline = new Uint32Array(n * INLINE_WORDS);
      const ids = new Uint32Array(n);
      const first = s >>> 1;
      for (let i = 0; i < n; i++) {
        const k = cursor[slotValue(hashes, i * WORDS, s)]!++;
        ids[k] = i;
        for (let j = 0; j < INLINE_WORDS; j++) inline[k * INLINE_WORDS + j] = hashes[i * WORDS + ((first + 1 + j) % WORDS)]!;
      }
      this.offsets.push(offsets);
      this.inline.push(inline);
      this.ids.push(ids);
    }
  }

  get size(): number {
    return this.hashes.length / WORDS;
  }

  /** Bytes held: the hashes and the 16 slot tables. */
  get byteLength(): number {
    let bytes = this.hashes.byteLength;
    for (let s = 0; s < SLOTS; s++) bytes += this.offsets[s]!.byteLength + this.inline[s]!.byteLength + this.ids[s]!.byteLength;
    return bytes;
  }

  /** Every entry within `maxDistance` bits of the query, nearest first. */
  search(query: Uint32Array, maxDistance: number): PdqHit[] {
    if (!Number.isInteger(maxDistance) || maxDistance < 0 || maxDistance > 255) throw new RangeError('maxDistance must be 0 to 255');
    const radius = Math.floor(maxDistance / SLOTS);
    let masks = this.masks.get(radius);
    if (!masks) this.masks.set(radius, (masks = probeMasks(radius)));
    const found = new Map<number, number>();
    for (let s = 0; s < SLOTS; s++) {
      const offsets = this.offsets[s]!;
      const inline = this.inline[s]!;
      const ids = this.ids[s]!;
      const value = slotValue(query, 0, s);
      const first = s >>> 1;
      const qa = query[(first + 1) % WORDS]!;
      const qb = query[(first + 2) % WORDS]!;
      const qc = query[(first + 3) % WORDS]!;
      for (let m = 0; m < masks.length; m++) {
        const probe = value ^ masks[m]!;
        for (let k = offsets[probe]!, end = offsets[probe + 1]!; k < end; k++) {
          // Distance over the 96 inline bits, counted in one pass (nibble sums of three words fit in a nibble).
          const t = k * INLINE_WORDS;
          let a = inline[t]! ^ qa;
          let b = inline[t + 1]! ^ qb;
          let c = inline[t + 2]! ^ qc;
          a -= (a >>> 1) & 0x55555555;
          a = (a & 0x33333333) + ((a >>> 2) & 0x33333333);
          b -= (b >>> 1) & 0x55555555;
          b = (b & 0x33333333) + ((b >>> 2) & 0x33333333);
          c -= (c >>> 1) & 0x55555555;
          c = (c & 0x33333333) + ((c >>> 2) & 0x33333333);
          let x = a + b + c;
          x = (x & 0x0f0f0f0f) + ((x >>> 4) & 0x0f0f0f0f);
          if (Math.imul(x, 0x01010101) >>> 24 > maxDistance) continue;
          const i = ids[k]!;
          if (found.has(i)) continue;
          const d = distanceWithin(this.hashes, i * WORDS, query, maxDistance);
          if (d <= maxDistance) found.set(i, d);
        }
      }
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
