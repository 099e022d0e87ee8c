// Staff screens in a real browser (Debian's Chromium, headless, one browser for the file): leads and appeals
// reviewers claim the waiting case they choose, and refusals are shown by their type; the case history lists the
// cases the API lets the user see, filtered and paged by cursor, and opens one read-only.
// A failing test writes a screenshot to test/console/screenshots/ (git-ignored).
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { hex, startServer, token, type TestServer } from '../support/harness.js';
import type { Role } from '../../src/policy/index.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

let server: TestServer;
let browser: Browser;
const consoleErrors: string[] = [];
let current: Page | undefined;

function screenshotOnFailure(name: string) {
  onTestFailed(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await current?.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true }).catch(() => undefined);
  });
}

const aria = (name: string, role?: string) => `::-p-aria(${role ? `[name=${JSON.stringify(name)}][role="${role}"]` : name})`;
const as = (sub: string, roles: Role[]) => token(sub, roles, `Placeholder ${sub}`);
const text = (tab: Page, selector: string) => tab.$$eval(selector, (e) => e.map((x) => x.textContent ?? '').join('\n'));
const waitForText = (tab: Page, selector: string, pattern: RegExp, timeout = 15_000) =>
  tab.waitForFunction((sel, source, flags) => [...document.querySelectorAll(sel)].some((e) => new RegExp(source, flags).test(e.textContent ?? '')), { timeout }, selector, pattern.source, pattern.flags);

/** A new tab (its own session storage) signed in with the token. */
async function signedIn(jwt: string) {
  const tab = await browser.newPage();
  current = tab;
  await tab.setViewport({ width: 1280, height: 800 });
  tab.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  tab.on('pageerror', (error) => consoleErrors.push(String(error)));
  await tab.goto(`${new URL(server.url).origin}/console`, { waitUntil: 'networkidle0' });
  await tab.locator(aria('Bearer token', 'textbox')).fill(jwt);
  await tab.locator(aria('Sign in', 'button')).click();
  await tab.waitForSelector('header');
  return tab;
}

/** Files a report; answers its case id and follow-up token. */
async function file(category: string, contentId = `content-${hex(4)}`, contentUrl?: string) {
  const res = await server.gql(
    `mutation($input: SubmitReportInput!) { submitReport(input: $input) { __typename ... on SubmitReportSuccess { followUpToken report { id } } } }`,
    { input: { contentId, category, description: 'placeholder description', reportedAccountId: `account-${hex(4)}`, ...(contentUrl ? { contentUrl } : {}) } },
  );
  expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
  const report = await server.app.db.prisma.report.findUniqueOrThrow({ where: { id: res.data.submitReport.report.id } });
  return { caseId: report.caseId, followUpToken: res.data.submitReport.followUpToken as string };
}

/** An exploitation case decided by a lead over the API and appealed by its notifier: it waits in APPEALS. */
async function appealedExploitation(decider: string) {
  const { caseId, followUpToken } = await file('CHILD_SEXUAL_EXPLOITATION');
  const claimed = await server.gql(`mutation($id: ID!) { claimCase(id: $id) { __typename } }`, { id: caseId }, { token: decider });
  expect(claimed.data.claimCase.__typename).toBe('ClaimCaseSuccess');
  const assessed = await server.gql(
    `mutation($input: AssessmentInput!) { submitAssessment(input: $input) { __typename ... on SubmitAssessmentSuccess { case { version } } } }`,
    { input: { caseId, category: 'CHILD_SEXUAL_EXPLOITATION', ageAssessment: 'APPARENT_MINOR', mediaKind: 'COMPUTER_GENERATED' } },
    { token: decider },
  );
  expect(assessed.data.submitAssessment.__typename).toBe('SubmitAssessmentSuccess');
  const decided = await server.gql(
    `mutation($input: DecideCaseInput!) { decideCase(input: $input) { __typename ... on DecideCaseSuccess { decision { id } } } }`,
    { input: { caseId, expectedVersion: assessed.data.submitAssessment.case.version, actions: ['REMOVE_CONTENT', 'SUSPEND_ACCOUNT'] } },
    { token: decider },
  );
  expect(decided.data.decideCase.__typename).toBe('DecideCaseSuccess');
  const appeal = await server.gql(`mutation($input: SubmitAppealInput!) { submitAppeal(input: $input) { __typename } }`, {
    input: { decisionId: decided.data.decideCase.decision.id, followUpToken, statement: 'placeholder statement' },
  });
  expect(appeal.data.submitAppeal.__typename).toBe('SubmitAppealSuccess');
  return caseId;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install it (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`);
  }
  server = await startServer();
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('claiming a chosen case', { sequential: true, timeout: 90_000 }, () => {
  it('a lead claims a waiting case of a queue by its labelled button, by keyboard, and the case opens', async () => {
    screenshotOnFailure('claim-chosen');
    const first = await file('MINOR_PHYSICAL_ALTERCATION');
    const chosen = await file('MINOR_PHYSICAL_ALTERCATION');
    const tab = await signedIn(await as('chooser-lead', ['LEAD']));
    const row = `section[data-queue="MINOR_PHYSICAL_ALTERCATION"] tr[data-case="${chosen.caseId}"]`;
    await tab.waitForSelector(row);
    // Every waiting case has its own claim button, named after the case.
    const button = await tab.waitForSelector(aria(`Claim case ${chosen.caseId.slice(0, 8)}… from Minor physical altercation`, 'button'));
    expect(await tab.$(`section[data-queue="MINOR_PHYSICAL_ALTERCATION"] tr[data-case="${first.caseId}"] button`)).not.toBeNull();
    await button!.focus();
    await tab.keyboard.press('Enter');
    await tab.waitForSelector(`article[data-case-id="${chosen.caseId}"]`);
    await waitForText(tab, '.lease', /Lease: \d+ min \d\d s left/);
    const stored = await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: chosen.caseId } });
    expect(stored).toMatchObject({ status: 'IN_REVIEW', assigneeId: 'chooser-lead' });
    expect(await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: first.caseId } })).toMatchObject({ status: 'OPEN', assigneeId: null });
  });

  it('a reviewer who may not choose sees no per-case claim button', async () => {
    screenshotOnFailure('no-choice');
    const tab = await signedIn(await as('plain-reviewer', ['REVIEWER']));
    await tab.waitForSelector('section[data-queue="MINOR_PHYSICAL_ALTERCATION"] tr[data-case]');
    expect(await tab.$('section[data-queue] tr[data-case] button')).toBeNull();
  });

  it('an appeals reviewer is told which qualification a chosen appeal needs', async () => {
    screenshotOnFailure('not-qualified');
    const caseId = await appealedExploitation(await as('deciding-lead', ['LEAD']));
    // An admin who reviews appeals may see the exploitation appeal (not listed in a queue, where only cases the user
    // may handle wait) but not handle it: chosen by id, the claim is refused with the missing qualification.
    const tab = await signedIn(await as('admin-appeals', ['ADMIN', 'APPEALS_REVIEWER']));
    await tab.waitForSelector('section[data-queue="MINOR_PHYSICAL_ALTERCATION"] tr[data-case]');
    // Outside the appeals queue only leads choose: no per-case buttons there.
    expect(await tab.$('section[data-queue="MINOR_PHYSICAL_ALTERCATION"] tr[data-case] button')).toBeNull();
    await tab.locator(aria('Case id', 'textbox')).click();
    await tab.keyboard.type(caseId);
    await tab.keyboard.press('Enter');
    await waitForText(tab, '[role="alert"]', /You are not qualified for this case/);
    expect(await text(tab, '[role="alert"]')).toMatch(/Needs the child safety specialist role/);
    expect(await tab.$('#case-heading')).toBeNull();
    expect(await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).toMatchObject({ status: 'APPEALED', assigneeId: null });
  });
});

describe('the case history', { sequential: true, timeout: 90_000 }, () => {
  it('lists the cases the user may see, filtered by status, category and queue, and loads more by cursor', async () => {
    screenshotOnFailure('history');
    const filed: string[] = [];
    for (let i = 0; i < 22; i++) filed.push((await file('MINOR_PHYSICAL_ALTERCATION')).caseId);
    const exploitation = (await file('CHILD_SEXUAL_EXPLOITATION')).caseId;
    const lead = await as('history-lead', ['LEAD']);
    const claimed = await server.gql(`mutation($id: ID!) { claimCase(id: $id) { __typename } }`, { id: filed[0] }, { token: lead });
    expect(claimed.data.claimCase.__typename).toBe('ClaimCaseSuccess');

    // A plain reviewer may not see the exploitation case: the history does not list it.
    const tab = await signedIn(await as('history-reviewer', ['REVIEWER']));
    await tab.locator(aria('Case history', 'button')).click();
    await tab.waitForSelector('#history-heading');
    await tab.locator(aria('Category', 'combobox')).click();
    await tab.select('#h-category', 'MINOR_PHYSICAL_ALTERCATION');
    await tab.select('#h-status', 'OPEN');
    await tab.select('#h-queue', 'MINOR_PHYSICAL_ALTERCATION');
    await tab.locator(aria('Show cases', 'button')).click();
    const open = await server.app.db.prisma.case.count({ where: { category: 'MINOR_PHYSICAL_ALTERCATION', status: 'OPEN', queue: 'MINOR_PHYSICAL_ALTERCATION' } });
    expect(open).toBeGreaterThan(20);
    await waitForText(tab, '[data-total]', new RegExp(`^${open} cases?$`));
    await tab.waitForFunction(() => document.querySelectorAll('tr[data-history-case]').length === 20);
    const firstPage = await tab.$$eval('tr[data-history-case]', (rows) => rows.map((r) => r.getAttribute('data-history-case')));
    // Newest first; the claimed case (IN_REVIEW) is filtered out.
    expect(firstPage[0]).toBe(filed.at(-1));
    expect(firstPage).not.toContain(filed[0]);
    await tab.locator(aria('Load more cases', 'button')).click();
    await tab.waitForFunction((n) => document.querySelectorAll('tr[data-history-case]').length === n, {}, Math.min(open, 40));
    const all = await tab.$$eval('tr[data-history-case]', (rows) => rows.map((r) => r.getAttribute('data-history-case')));
    expect(new Set(all).size).toBe(all.length);
    expect(all).toContain(filed[1]);
    expect(all).not.toContain(exploitation);

    // Any status, any category: the exploitation case stays hidden from a reviewer.
    await tab.select('#h-status', '');
    await tab.select('#h-category', '');
    await tab.select('#h-queue', '');
    await tab.locator(aria('Show cases', 'button')).click();
    const visible = await server.app.db.prisma.case.count({ where: { category: 'MINOR_PHYSICAL_ALTERCATION' } });
    await waitForText(tab, '[data-total]', new RegExp(`^${visible} cases?$`));
    expect(await tab.$(`tr[data-history-case="${exploitation}"]`)).toBeNull();
  });

  it('opens a case read-only, without claiming it, and goes back to the list', async () => {
    screenshotOnFailure('history-open');
    const { caseId } = await file('PHYSICAL_CHILD_ABUSE_MEDIA');
    const tab = await signedIn(await as('history-specialist', ['CHILD_SAFETY_SPECIALIST']));
    await tab.locator(aria('Case history', 'button')).click();
    await tab.waitForSelector(`tr[data-history-case="${caseId}"]`);
    await tab.locator(aria(`Open case ${caseId.slice(0, 8)}…`, 'button')).click();
    await tab.waitForSelector(`article[data-case-id="${caseId}"]`);
    await waitForText(tab, '#reports-heading', /Reports \(1\)/);
    await waitForText(tab, '.read-only', /Read only/);
    // Nothing to act on while reading: no lease, no assessment, no decision.
    expect(await tab.$('.lease')).toBeNull();
    expect(await tab.$('form.assess')).toBeNull();
    expect(await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).toMatchObject({ status: 'OPEN', assigneeId: null });
    await tab.locator(aria('Back to case history', 'button')).click();
    await tab.waitForSelector(`tr[data-history-case="${caseId}"]`);
  });

  it('a lead claims a case read from the history, at the version read', async () => {
    screenshotOnFailure('history-claim');
    const { caseId } = await file('MINOR_PHYSICAL_ALTERCATION');
    const tab = await signedIn(await as('history-claiming-lead', ['LEAD']));
    await tab.locator(aria('Case history', 'button')).click();
    await tab.locator(aria(`Open case ${caseId.slice(0, 8)}…`, 'button')).click();
    await tab.waitForSelector(`article[data-case-id="${caseId}"] .read-only`);
    await tab.locator(aria('Claim this case', 'button')).click();
    await waitForText(tab, '.lease', /Lease: \d+ min \d\d s left/);
    expect(await tab.$('.read-only')).toBeNull();
    expect(await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).toMatchObject({ status: 'IN_REVIEW', assigneeId: 'history-claiming-lead' });
  });

  it('an admin (who sees every case but handles none) reads a case without its content', async () => {
    screenshotOnFailure('history-admin');
    const { caseId } = await file('CHILD_SEXUAL_EXPLOITATION');
    const tab = await signedIn(await as('history-admin', ['ADMIN']));
    await tab.locator(aria('Case history', 'button')).click();
    await tab.locator(aria(`Open case ${caseId.slice(0, 8)}…`, 'button')).click();
    await tab.waitForSelector(`article[data-case-id="${caseId}"]`);
    await waitForText(tab, '.read-only', /content.*not shown/);
    expect(await tab.$('#reports-heading')).toBeNull();
    expect(await tab.$('[role="alert"]')).toBeNull();
    // An admin does not choose cases: nothing to claim.
    expect(await tab.$(aria('Claim this case', 'button'))).toBeNull();
  });
});

describe('media hosts', { timeout: 90_000 }, () => {
  it('content on a host CONSOLE_MEDIA_ORIGINS does not name is not fetched: the console says why', async () => {
    screenshotOnFailure('media-host');
    const contentUrl = `https://media.example.test/content-${hex(4)}.png`;
    const { caseId } = await file('MINOR_PHYSICAL_ALTERCATION', `content-${hex(4)}`, contentUrl);
    const tab = await signedIn(await as('media-reviewer', ['REVIEWER']));
    const requested: string[] = [];
    tab.on('request', (request) => {
      if (new URL(request.url()).host === 'media.example.test') requested.push(request.url());
    });
    await tab.locator(aria('Case history', 'button')).click();
    await tab.locator(aria(`Open case ${caseId.slice(0, 8)}…`, 'button')).click();
    await tab.waitForSelector(`article[data-case-id="${caseId}"]`);
    const reveal = await tab.waitForSelector('#content-heading ~ button');
    expect(await reveal!.evaluate((b) => [(b as HTMLButtonElement).disabled, b.textContent])).toEqual([true, 'Content host not allowed']);
    await waitForText(tab, '.media-host', /media\.example\.test is not among the console’s media hosts \(CONSOLE_MEDIA_ORIGINS\)/);
    expect(await tab.$('img.media')).toBeNull();
    expect(requested).toEqual([]);
  });
});

describe('a case the user holds', { sequential: true, timeout: 120_000 }, () => {
  const queue = 'section[data-queue="MINOR_PHYSICAL_ALTERCATION"]';
  it('the token field is neither spell-checked nor autocompleted: it holds a secret', async () => {
    screenshotOnFailure('token-field');
    const tab = await browser.newPage();
    current = tab;
    await tab.goto(`${new URL(server.url).origin}/console`, { waitUntil: 'networkidle0' });
    expect(await tab.$eval('textarea#token', (t) => [t.getAttribute('spellcheck'), t.getAttribute('autocomplete'), (t as HTMLTextAreaElement).spellcheck])).toEqual(['false', 'off', false]);
  });

  it('a reviewer gets back to the case they hold after a reload and a new sign-in, from the queue and the history, and releases it', async () => {
    screenshotOnFailure('held-case');
    await file('MINOR_PHYSICAL_ALTERCATION');
    const jwt = await as('holding-reviewer', ['REVIEWER']);
    const tab = await signedIn(jwt);
    await tab.locator(aria('Claim next case from Minor physical altercation', 'button')).click();
    const article = await tab.waitForSelector('article[data-case-id]');
    const caseId = (await article!.evaluate((e) => e.getAttribute('data-case-id')))!;
    await waitForText(tab, '.lease', /Lease: \d+ min \d\d s left/);
    const row = `${queue} tr[data-case="${caseId}"]`;
    const cont = aria(`Continue case ${caseId.slice(0, 8)}… from Minor physical altercation`, 'button');

    // Back at the queues, the row held by the user offers to continue it.
    await tab.locator(aria('Back to queues', 'button')).click();
    await tab.waitForSelector(row);
    await tab.waitForSelector(cont);

    // After a reload (the token stays in session storage), the case history opens it in work mode.
    await tab.reload({ waitUntil: 'networkidle0' });
    await tab.waitForSelector(cont);
    await tab.locator(aria('Case history', 'button')).click();
    await tab.waitForSelector('#h-status');
    await tab.select('#h-status', 'IN_REVIEW');
    await tab.locator(aria('Show cases', 'button')).click();
    await tab.locator(aria(`Open case ${caseId.slice(0, 8)}…`, 'button')).click();
    await tab.waitForSelector(`article[data-case-id="${caseId}"]`);
    await waitForText(tab, '.lease', /Lease: \d+ min \d\d s left/);
    expect(await tab.$('.read-only')).toBeNull();
    await tab.waitForSelector('form.assess');

    // Signed out and in again: the queue row continues the case, and the lease is released.
    await tab.locator(aria('Sign out', 'button')).click();
    await tab.locator(aria('Bearer token', 'textbox')).fill(jwt);
    await tab.locator(aria('Sign in', 'button')).click();
    await tab.locator(cont).click();
    await tab.waitForSelector(`article[data-case-id="${caseId}"]`);
    await waitForText(tab, '.lease', /Lease: \d+ min \d\d s left/);
    expect(await tab.$('.read-only')).toBeNull();
    await tab.locator(aria('Release case', 'button')).click();
    await waitForText(tab, `${row} td:nth-child(3)`, /^open/);
    expect(await tab.$(cont)).toBeNull();
    expect(await server.app.db.prisma.case.findUniqueOrThrow({ where: { id: caseId } })).toMatchObject({ status: 'OPEN', assigneeId: null });
  });

  it('signing out puts the focus in the token field', async () => {
    screenshotOnFailure('sign-out-focus');
    const tab = await signedIn(await as('signing-out-reviewer', ['REVIEWER']));
    await tab.locator(aria('Sign out', 'button')).click();
    await tab.waitForSelector('textarea#token');
    await tab.waitForFunction(() => document.activeElement?.id === 'token', { timeout: 5_000 });
  });

  it('an empty queue says so once, by its label', async () => {
    screenshotOnFailure('empty-queue');
    const tab = await signedIn(await as('empty-queue-specialist', ['CHILD_SAFETY_SPECIALIST']));
    await tab.waitForSelector('section[data-queue="IMMEDIATE_RISK"]');
    await tab.locator(aria('Claim next case from Immediate risk', 'button')).click();
    await tab.waitForSelector('[role="alert"]');
    const said = (await text(tab, '[role="alert"]')).trim();
    expect(said).toBe('No case is waiting for you in Immediate risk');
  });

  it('a decided statement gives the appeal deadline in the page’s time format', async () => {
    screenshotOnFailure('appeal-deadline');
    const lead = await as('deadline-lead', ['LEAD']);
    const caseId = await appealedExploitation(lead);
    const tab = await signedIn(lead);
    await tab.locator(aria('Case history', 'button')).click();
    await tab.locator(aria(`Open case ${caseId.slice(0, 8)}…`, 'button')).click();
    await tab.waitForSelector(`article[data-case-id="${caseId}"] .statement`);
    const redress = await text(tab, '.statement');
    expect(redress).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect(redress).toMatch(/appeal this decision until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  });
});

describe('the browser console', () => {
  it('logged no error', () => {
    expect(consoleErrors).toEqual([]);
  });
});
