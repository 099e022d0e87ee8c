// npm run token -- --role LEAD [--role ANALYST] --sub u1 [--name "Lead One"] [--expires 8h]
// Mints a development token signed with JWT_SECRET.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config.js';
import { mintToken } from '../src/auth/jwt.js';
import { ROLES, type Role } from '../src/policy/index.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string', multiple: true, default: [] },
    sub: { type: 'string', default: 'dev-user' },
    name: { type: 'string' },
    expires: { type: 'string', default: '8h' },
  },
});
const unknown = values.role.filter((r) => !(ROLES as readonly string[]).includes(r));
if (unknown.length) {
  console.error(`Unknown role ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
  process.exit(2);
}
try {
  const config = loadConfig();
  console.log(await mintToken(config.JWT_SECRET, { sub: values.sub, name: values.name ?? values.sub, roles: values.role as Role[] }, values.expires));
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : (error as Error).message);
  process.exit(1);
}
