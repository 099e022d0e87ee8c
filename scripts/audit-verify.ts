// npm run audit:verify — recomputes the audit hash chain and checks it against the signed checkpoints in
// AUDIT_CHECKPOINT_FILE (key: AUDIT_VERIFY_KEY, or the public half of AUDIT_SIGNING_KEY). Prints the result as JSON,
// names every rewritten or truncated range on stderr, and exits 1 when anything does not verify.
import { createPublicKey } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { verifyAuditChain } from '../src/services/audit.js';
import { parseSigningKey, parseVerifyKey, readCheckpoints, verifyAgainstCheckpoints } from '../src/services/audit-checkpoints.js';
import { openConfiguredDatabase } from './open-db.js';

const db = await openConfiguredDatabase({
  command: 'npm run audit:verify',
  whileServing:
    'To verify without stopping it, ask the running server: query { verifyAuditChain { ok checkedEvents firstBrokenSeq headHash } }\n' +
    'with a lead or admin token: TOKEN=$(npm run -s token -- --role LEAD --sub you), header Authorization: Bearer $TOKEN.',
});
try {
  const config = loadConfig();
  const publicKey = config.AUDIT_VERIFY_KEY
    ? parseVerifyKey(config.AUDIT_VERIFY_KEY)
    : config.AUDIT_SIGNING_KEY
      ? createPublicKey(parseSigningKey(config.AUDIT_SIGNING_KEY))
      : null;
  const { checkpoints, badLines } = await readCheckpoints(config.AUDIT_CHECKPOINT_FILE);
  if (!publicKey) {
    const result = await verifyAuditChain(db.prisma);
    console.log(JSON.stringify(result));
    if (checkpoints.length) {
      console.error(`${config.AUDIT_CHECKPOINT_FILE} holds checkpoints, but neither AUDIT_VERIFY_KEY nor AUDIT_SIGNING_KEY is set to check them`);
      process.exitCode = 1;
    } else {
      console.error('No checkpoint key set: the chain was checked only against itself, which whoever controls the database can recompute');
    }
    if (!result.ok) {
      console.error(`Audit chain broken at sequence ${result.firstBrokenSeq}`);
      process.exitCode = 1;
    }
  } else {
    const result = await verifyAgainstCheckpoints(db.prisma, checkpoints, publicKey, badLines);
    console.log(JSON.stringify(result));
    if (!result.ok) {
      if (result.firstBrokenSeq !== null) console.error(`Audit chain broken at sequence ${result.firstBrokenSeq}`);
      for (const problem of result.problems) console.error(problem.message);
      process.exitCode = 1;
    } else if (checkpoints.length === 0) {
      console.error(`No checkpoints in ${config.AUDIT_CHECKPOINT_FILE} yet: the chain was checked only against itself`);
    }
  }
} finally {
  await db.close();
}
