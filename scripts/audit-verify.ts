// npm run audit:verify — recomputes the audit hash chain; exits 1 when it does not verify.
import { verifyAuditChain } from '../src/services/audit.js';
import { openConfiguredDatabase } from './open-db.js';

const db = await openConfiguredDatabase();
try {
  const result = await verifyAuditChain(db.prisma);
  console.log(JSON.stringify(result));
  if (!result.ok) {
    console.error(`Audit chain broken at sequence ${result.firstBrokenSeq}`);
    process.exitCode = 1;
  }
} finally {
  await db.close();
}
