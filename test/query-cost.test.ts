// The query cost as run (src/plugins/query-limits.ts): every operation a client or the console sends stays within the
// budget at its largest pages, and the document priced is the one that will run. The refusals themselves, over HTTP
// and graphql-ws, are in test/hostile-input.test.ts › query cost counts each page at the size it will run.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, Kind, parse, print, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain browser ES module without type declarations
import * as consoleOperations from '../console/operations.js';
import { asRun, costAsRun } from '../src/plugins/query-limits.js';
import { PAGE, PAGE_SIZE } from '../bench/http.js';

const schema = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));
const CLIENT_DIR = fileURLToPath(new URL('./contract/', import.meta.url));

/** Each operation's largest page: 100 for every connection and `cases`, 500 for the enforcement feed. */
const LARGEST: Record<string, number> = { EnforcementFeed: 500 };

const operations: Array<[string, DocumentNode, string]> = [];
for (const file of readdirSync(CLIENT_DIR).filter((f) => f.endsWith('.graphql'))) {
  const document = parse(readFileSync(`${CLIENT_DIR}${file}`, 'utf8'));
  for (const op of document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)) {
    operations.push([`${file} ${op.name!.value}`, document, op.name!.value]);
  }
}
for (const [name, source] of Object.entries(consoleOperations as Record<string, unknown>)) {
  if (typeof source !== 'string') continue;
  const document = parse(source);
  const op = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  operations.push([`console ${name}`, document, op.name!.value]);
}

describe('query cost as run', () => {
  it('finds the client and console operations', () => {
    expect(operations.length).toBeGreaterThan(40);
  });

  it.each(operations)('%s is within the budget at its largest pages', (_label, document, operationName) => {
    const op = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === operationName)!;
    const largest = LARGEST[operationName] ?? 100;
    const variables = Object.fromEntries(op.variableDefinitions?.map((v) => [v.variable.name.value, largest]) ?? []);
    expect(costAsRun(schema, document, operationName, variables)).toBeNull();
  });

  it("the benchmark's page (a reviewer's screen of cases with their reports) is within the budget", () => {
    expect(costAsRun(schema, parse(PAGE), 'Page', { first: PAGE_SIZE })).toBeNull();
    expect(costAsRun(schema, parse(PAGE), 'Page', { first: 100 })?.message).toBe('Syntax Error: Query is too expensive.');
  });

  it('writes each page size as it will run: a variable as its value, a page without one at its default', () => {
    const document = parse(`query Page($n: Int, $m: Int) {
      cases(first: $n) { edges { node { reports(first: $m) { totalCount } } } }
      queue(name: APPEALS) { cases(last: 3) { totalCount } }
      enforcementFeed { cursor }
      ncmecReports { totalCount }
    }`);
    const priced = print(asRun(schema, document, 'Page', { n: 7 })!);
    // $m was not given, so the reports page runs at its default (20) like the pages asked without a size.
    expect(priced).toMatch(/cases\(first: 7\)[\s\S]*reports\(first: 20\)[\s\S]*cases\(last: 3\)[\s\S]*enforcementFeed\(first: 100\)[\s\S]*ncmecReports\(first: 20\)/);
    // A document whose every page has a literal size is priced by validation already.
    expect(asRun(schema, parse(`{ cases(first: 5) { totalCount } }`), undefined, {})).toBeNull();
    expect(asRun(schema, parse(`{ me { id } }`), undefined, {})).toBeNull();
  });

  it('refuses a document over the budget only as it will run', () => {
    const document = parse(`query Nested($n: Int) { cases(first: $n) { edges { node { reports(first: $n) { edges { node { id description } } } } } } }`);
    expect(costAsRun(schema, document, 'Nested', { n: 10 })).toBeNull();
    expect(costAsRun(schema, document, 'Nested', { n: 100 })?.message).toBe('Syntax Error: Query is too expensive.');
  });
});
