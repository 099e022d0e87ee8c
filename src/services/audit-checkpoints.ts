// Anchors the audit chain outside the database. Whoever controls the database can edit an event and recompute every
// later hash, or cut off the newest events and move the chain head back, and the chain alone still verifies. So at an
// interval (and at shutdown) each instance signs the chain head — Ed25519 over its sequence number and hash, with
// AUDIT_SIGNING_KEY, a key the database never holds — and appends the signed checkpoint as one JSON line to a sink
// the operator chooses (AUDIT_CHECKPOINT_FILE; put it on storage the database's administrators cannot rewrite).
// `npm run audit:verify` then checks the chain against every checkpoint and names a rewritten or truncated range.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PrismaClient } from '../db/database.js';
import type { Logger } from '../logger.js';
import { verifyAuditChain, type ChainVerification } from './audit.js';

export interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
  /** First 16 hex digits of SHA-256 of the raw public key: which key signed. */
  keyId: string;
  /** Ed25519 signature of `signedText(seq, hash, at)`, base64url. */
  sig: string;
}

const signedText = (seq: number, hash: string, at: string) => `audit-checkpoint:v1:${seq}:${hash}:${at}`;
// PKCS#8 and SPKI prefixes for a raw 32-byte Ed25519 private seed or public key.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function rawBytes(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-f]{64}$/i.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) return Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return null;
}

export class AuditKeyError extends Error {
  override name = 'AuditKeyError';
}

/** An Ed25519 private key: PKCS#8 PEM (`\n` may be written as a literal backslash-n) or a 32-byte seed in hex or base64. */
export function parseSigningKey(text: string): KeyObject {
  try {
    const raw = rawBytes(text);
    const key = raw?.length === 32
      ? createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' })
      : createPrivateKey(text.replace(/\\n/g, '\n'));
    if (key.asymmetricKeyType !== 'ed25519') throw new AuditKeyError('not an Ed25519 key');
    return key;
  } catch {
    throw new AuditKeyError('AUDIT_SIGNING_KEY must be an Ed25519 private key (PKCS#8 PEM, or a 32-byte seed in hex or base64)');
  }
}

/** An Ed25519 public key: SPKI PEM or 32 raw bytes in hex or base64. */
export function parseVerifyKey(text: string): KeyObject {
  try {
    const raw = rawBytes(text);
    const key = raw?.length === 32
      ? createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
      : createPublicKey(text.replace(/\\n/g, '\n'));
    if (key.asymmetricKeyType !== 'ed25519') throw new AuditKeyError('not an Ed25519 key');
    return key;
  } catch {
    throw new AuditKeyError('AUDIT_VERIFY_KEY must be an Ed25519 public key (SPKI PEM, or 32 bytes in hex or base64)');
  }
}

export const rawPublicKey = (key: KeyObject): Buffer => (createPublicKey(key).export({ format: 'der', type: 'spki' }) as Buffer).subarray(SPKI_PREFIX.length);
export const keyIdOf = (key: KeyObject) => createHash('sha256').update(rawPublicKey(key)).digest('hex').slice(0, 16);

export function signCheckpoint(key: KeyObject, seq: number, hash: string, at: Date): Checkpoint {
  const when = at.toISOString();
  return { seq, hash, at: when, keyId: keyIdOf(key), sig: sign(null, Buffer.from(signedText(seq, hash, when)), key).toString('base64url') };
}

export const checkpointSignatureValid = (publicKey: KeyObject, c: Checkpoint): boolean =>
  verify(null, Buffer.from(signedText(c.seq, c.hash, c.at)), publicKey, Buffer.from(c.sig, 'base64url'));

export interface CheckpointWriter {
  /** Signs and appends the current head if it moved since the last checkpoint (the interval and shutdown call this). */
  writeNow(): Promise<Checkpoint | null>;
  stop(): Promise<void>;
}

/**
 * Writes a checkpoint every `intervalMs` while the head moves, and one at stop. Before signing a new head it checks
 * the chain still holds the last checkpoint's hash at its sequence number: a head that does not extend what was
 * signed (rewritten or cut back) is never signed, and is logged as an error instead.
 */
export async function startCheckpointWriter(options: {
  prisma: PrismaClient;
  key: KeyObject;
  file: string;
  intervalMs: number;
  logger: Logger;
  now?: () => Date;
}): Promise<CheckpointWriter> {
  const { prisma, key, file, logger } = options;
  const keyId = keyIdOf(key);
  const existing = await readCheckpoints(file);
  let last: { seq: number; hash: string } | null = existing.checkpoints.filter((c) => c.keyId === keyId).at(-1) ?? null;
  let writing: Promise<Checkpoint | null> | null = null;
  await mkdir(dirname(file), { recursive: true });

  const write = async (): Promise<Checkpoint | null> => {
    const head = await prisma.auditChainHead.findUnique({ where: { id: 1 } });
    if (!head) return null;
    const seq = Number(head.seq);
    if (seq === 0) return null;
    if (last && seq === last.seq && head.hash === last.hash) return null;
    if (last) {
      const anchor = last.seq === 0 ? null : await prisma.auditEvent.findUnique({ where: { seq: BigInt(last.seq) }, select: { hash: true } });
      if (seq < last.seq || (last.seq > 0 && anchor?.hash !== last.hash)) {
        logger.error({ checkpointSeq: last.seq, headSeq: seq }, 'audit chain does not extend its last signed checkpoint; not signing (run npm run audit:verify)');
        return null;
      }
    }
    const checkpoint = signCheckpoint(key, seq, head.hash, (options.now ?? (() => new Date()))());
    // One line per append: O_APPEND keeps lines from several instances whole.
    await appendFile(file, `${JSON.stringify(checkpoint)}\n`, { flag: 'a', mode: 0o600 });
    last = { seq, hash: head.hash };
    return checkpoint;
  };
  const writeNow = () =>
    (writing ??= write()
      .catch((error: unknown) => {
        logger.error({ err: error }, 'audit checkpoint failed');
        return null;
      })
      .finally(() => (writing = null)));
  const timer = setInterval(() => void writeNow(), options.intervalMs);
  timer.unref();
  return {
    writeNow,
    async stop() {
      clearInterval(timer);
      await writing;
      await writeNow();
    },
  };
}

/** Reads a checkpoint file; a missing file has none. Unparseable lines are reported by number. */
export async function readCheckpoints(file: string): Promise<{ checkpoints: Checkpoint[]; badLines: number[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { checkpoints: [], badLines: [] };
    throw error;
  }
  const checkpoints: Checkpoint[] = [];
  const badLines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const c = JSON.parse(line) as Checkpoint;
      if (!Number.isSafeInteger(c.seq) || c.seq < 0 || typeof c.hash !== 'string' || typeof c.sig !== 'string' || typeof c.at !== 'string') throw new Error('shape');
      checkpoints.push(c);
    } catch {
      badLines.push(i + 1);
    }
  });
  return { checkpoints, badLines };
}

export interface CheckpointProblem {
  kind: 'rewritten' | 'truncated' | 'bad-signature' | 'unreadable';
  /** The sequence range the problem lies in (inclusive); for `rewritten`, the change lies somewhere in it. */
  fromSeq: number | null;
  toSeq: number | null;
  message: string;
}

export interface AnchoredVerification extends ChainVerification {
  checkpointsChecked: number;
  latestCheckpointSeq: number | null;
  problems: CheckpointProblem[];
}

/**
 * Verifies the chain itself (every hash recomputed, as verifyAuditChain) and against signed checkpoints: each
 * checkpoint's sequence number must still exist with the signed hash. A mismatch means the events after the last
 * matching checkpoint, up to the mismatching one, were rewritten; a checkpoint beyond the head means the tail was cut.
 */
export async function verifyAgainstCheckpoints(prisma: PrismaClient, checkpoints: Checkpoint[], publicKey: KeyObject, badLines: number[] = []): Promise<AnchoredVerification> {
  const problems: CheckpointProblem[] = badLines.map((line) => ({ kind: 'unreadable', fromSeq: null, toSeq: null, message: `checkpoint file line ${line} is not a checkpoint` }));
  const valid: Checkpoint[] = [];
  for (const c of checkpoints) {
    if (checkpointSignatureValid(publicKey, c)) valid.push(c);
    else problems.push({ kind: 'bad-signature', fromSeq: c.seq, toSeq: c.seq, message: `checkpoint at sequence ${c.seq} (${c.at}) has no valid signature from this key` });
  }
  valid.sort((a, b) => a.seq - b.seq);
  const wanted = new Map<number, Checkpoint[]>();
  for (const c of valid) wanted.set(c.seq, [...(wanted.get(c.seq) ?? []), c]);
  const found = new Map<number, string>();
  const chain = await verifyAuditChain(prisma, 5000, (seq, hash) => {
    if (wanted.has(seq)) found.set(seq, hash);
  });
  let lastGood = 0;
  let rewrittenReported = false;
  for (const c of valid) {
    if (c.seq === 0) continue;
    const hash = found.get(c.seq);
    if (hash === undefined) {
      // The walk never reached this checkpoint: the chain ends (or breaks) before it, and before every later one.
      const from = chain.ok ? chain.checkedEvents + 1 : (chain.firstBrokenSeq ?? chain.checkedEvents + 1);
      const latest = valid.at(-1)!;
      problems.push({
        kind: 'truncated',
        fromSeq: from,
        toSeq: latest.seq,
        message: `events ${from}–${latest.seq} are missing${chain.ok ? '' : ' or broken'}: a checkpoint signed at ${latest.at} covers sequence ${latest.seq}, the verified chain ends at ${chain.checkedEvents}`,
      });
      break;
    }
    if (hash !== c.hash) {
      if (!rewrittenReported) {
        problems.push({ kind: 'rewritten', fromSeq: lastGood + 1, toSeq: c.seq, message: `events ${lastGood + 1}–${c.seq} were rewritten: the checkpoint signed at ${c.at} holds another hash at sequence ${c.seq}` });
        rewrittenReported = true;
      }
      continue;
    }
    if (!rewrittenReported) lastGood = c.seq;
  }
  const latest = valid.at(-1)?.seq ?? null;
  return {
    ...chain,
    ok: chain.ok && problems.length === 0,
    checkpointsChecked: valid.length,
    latestCheckpointSeq: latest,
    problems,
  };
}
