// Sends the client operations (test/contract) unchanged, by operation name, and records which mutations advanced the audit
// chain (the audit coverage test reads this).
import { parse, type OperationDefinitionNode } from 'graphql';
import { clientOperations, type TestServer } from './harness.js';

export interface OpResult<T = any> {
  data: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  status: number;
}

/** For each mutation root field: did a successful call write at least one audit event? */
export const auditedMutations = new Map<string, boolean>();

export class ContractClient {
  private documents = new Map<string, string>();
  /** A retried submission with a key already used is a replay: it changes nothing and rightly writes no audit. */
  private idempotencyKeys = new Set<string>();
  constructor(private server: TestServer) {}

  async load() {
    for (const file of ['intake.graphql', 'reviewer.graphql', 'platform.graphql', 'oversight.graphql', 'live.graphql']) {
      const text = await clientOperations(file);
      for (const def of parse(text).definitions) {
        if (def.kind === 'OperationDefinition' && def.name) this.documents.set(def.name.value, text);
      }
    }
    return this;
  }

  document(name: string): string {
    const doc = this.documents.get(name);
    if (!doc) throw new Error(`no client operation ${name}`);
    return doc;
  }

  async op<T = any>(name: string, variables: Record<string, unknown> = {}, tokenValue?: string): Promise<OpResult<T>> {
    const text = this.document(name);
    const op = parse(text).definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition' && d.name?.value === name)!;
    const key = (variables.input as { idempotencyKey?: string } | undefined)?.idempotencyKey;
    const replay = name === 'SubmitReport' && !!key && this.idempotencyKeys.has(key);
    if (key) this.idempotencyKeys.add(key);
    const isMutation = op.operation === 'mutation' && !replay;
    const before = isMutation ? await this.headSeq() : 0;
    const res = await fetch(this.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(tokenValue ? { authorization: `Bearer ${tokenValue}` } : {}) },
      body: JSON.stringify({ query: text, operationName: name, variables }),
    });
    const body = (await res.json()) as { data: any; errors?: any[] };
    if (isMutation && body.data && !body.errors) {
      const field = Object.keys(body.data)[0]!;
      const payload = body.data[field];
      if (payload && typeof payload.__typename === 'string' && payload.__typename.endsWith('Success')) {
        const advanced = (await this.headSeq()) > before;
        auditedMutations.set(field, (auditedMutations.get(field) ?? true) && advanced);
      }
    }
    return { data: body.data, errors: body.errors, status: res.status };
  }

  private async headSeq(): Promise<number> {
    const head = await this.server.app.db.prisma.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
    return Number(head.seq);
  }
}
