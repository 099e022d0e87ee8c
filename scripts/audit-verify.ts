// npm run audit:verify — recomputes the audit hash chain; exits 1 when it does not verify.
import { verifyAuditChain } from '../src/services/audit.js';
import { openConfiguredDatabase } from './open-db.js';

const db = await openConfiguredDatabase({
  command: 'npm run audit:verify',
  whileServing:
    'To verify without stopping it, ask the running server: query { verifyAuditChain { ok checkedEvents firstBrokenSeq headHash } }\n' +
    'with a lead or admin token: TOKEN=$(npm run -s token -- --role LEAD --sub you), header Authorization: Bearer $TOKEN.',
});
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
