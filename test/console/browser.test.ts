// A reviewer's day in a real browser: Debian's Chromium, headless, driven by puppeteer-core against a started server.
// Sign in with a pasted token → the queues are live (a report filed elsewhere appears without polling; a dropped
// socket reconnects and catches up) → claim by keyboard → reveal the content (nothing fetched before) → assess from
// the policy's form → decide, through a version conflict. Every control is labelled, and the page logs no error.
// A failing test writes a screenshot to test/console/screenshots/ (git-ignored).
import { existsSync, mkdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type HTTPRequest, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { hex, startServer, token, type TestServer } from '../support/harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const MEDIA_HOST = 'media.example.test';
/** A 1×1 PNG, answered for the content URL so that revealing it loads an image. */
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNk+A8AAQUBAScY42YAAAAASUVORK5CYII=', 'base64');

let server: TestServer;
let browser: Browser;
let page: Page;
let origin: string;
const consoleErrors: string[] = [];
const graphqlRequests: { at: number; body: string }[] = [];
const mediaRequests: string[] = [];
const upgraded: Socket[] = [];
const specialist = await token('day-specialist', ['CHILD_SAFETY_SPECIALIST'], 'Day Specialist');

const contentId = `content-${hex(4)}`;
const contentUrl = `https://${MEDIA_HOST}/${contentId}.png`;
const accountId = `account-${hex(4)}`;
let decidedCaseId = '';

async function fileReport(input: Record<string, unknown>) {
  const res = await server.gql(`mutation ($input: SubmitReportInput!) { submitReport(input: $input) { __typename ... on SubmitReportSuccess { report { id } } } }`, { input });
  expect(res.data.submitReport.__typename).toBe('SubmitReportSuccess');
}

/** With CONSOLE_DOCS=1, the main screens are written to docs/ for the README. */
async function documentScreen(name: string) {
  if (process.env.CONSOLE_DOCS !== '1') return;
  await page.screenshot({ path: fileURLToPath(new URL(`../../docs/${name}.png`, import.meta.url)) });
}

/** The tab a test drives, screenshotted when the test fails. */
let current: Page | undefined;
function screenshotOnFailure(name: string, tab?: Page) {
  current = tab ?? page;
  onTestFailed(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await current?.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true }).catch(() => undefined);
  });
}

/** Text of the element an ARIA query finds (puppeteer's `::-p-aria`, by accessible name and role). */
const aria = (name: string, role?: string) => `::-p-aria(${role ? `[name=${JSON.stringify(name)}][role="${role}"]` : name})`;

const queueCard = (queue: string) => `section[data-queue="${queue}"]`;
const openCount = (queue: string) => page.$eval(`${queueCard(queue)} [data-open-count]`, (e) => e.textContent);
const waitForText = (selector: string, text: string | RegExp, timeout = 15_000) =>
  page.waitForFunction(
    (sel, source, flags) => [...document.querySelectorAll(sel)].some((e) => new RegExp(source, flags).test(e.textContent ?? '')),
    { timeout },
    selector,
    typeof text === 'string' ? text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : text.source,
    typeof text === 'string' ? '' : text.flags,
  );

/** Every control the accessibility tree exposes has a name. */
async function unlabelledControls(): Promise<string[]> {
  const tree = await page.accessibility.snapshot({ interestingOnly: false });
  const bad: string[] = [];
  const walk = (node: { role: string; name?: string; children?: unknown[] } | null | undefined) => {
    if (!node) return;
    if (['button', 'textbox', 'combobox', 'checkbox', 'radio', 'link', 'listbox'].includes(node.role) && !node.name?.trim()) bad.push(node.role);
    for (const child of (node.children ?? []) as (typeof node)[]) walk(child);
  };
  walk(tree as never);
  return bad;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install it (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`);
  }
  server = await startServer({ DAILY_EXPOSURE_CAP: '1', CONSOLE_MEDIA_ORIGINS: `https://${MEDIA_HOST}` });
  origin = new URL(server.url).origin;
  server.app.server.on('upgrade', (_req, socket: Socket) => upgraded.push(socket));
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  await page.setRequestInterception(true);
  page.on('request', (request: HTTPRequest) => {
    const url = new URL(request.url());
    if (url.host === MEDIA_HOST) {
      mediaRequests.push(request.url());
      return void request.respond({ status: 200, contentType: 'image/png', body: PIXEL });
    }
    if (url.pathname === '/graphql' && request.method() === 'POST') graphqlRequests.push({ at: Date.now(), body: request.postData() ?? '' });
    return void request.continue();
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('a reviewer’s day in the console', { sequential: true, timeout: 90_000 }, () => {
  it('signs in by keyboard with a pasted token that never enters a URL; every control is labelled', async () => {
    screenshotOnFailure('sign-in');
    await page.goto(`${origin}/console`, { waitUntil: 'networkidle0' });
    expect(await unlabelledControls()).toEqual([]);
    await page.locator(aria('Bearer token', 'textbox')).click();
    await page.keyboard.type(specialist);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Sign in');
    await page.keyboard.press('Enter');
    await waitForText('header', 'Signed in as Day Specialist');
    expect(page.url()).toBe(`${origin}/console`);
    expect(await page.evaluate(() => sessionStorage.getItem('console.token'))).toBe(specialist);
    await waitForText('.live-status', 'Live');
    // A specialist works every queue but appeals.
    await page.waitForFunction(() => document.querySelectorAll('section[data-queue]').length === 4);
    const queues = await page.$$eval('section[data-queue]', (s) => s.map((e) => e.getAttribute('data-queue')));
    expect(queues.sort()).toEqual(['CHILD_SEXUAL_EXPLOITATION', 'IMMEDIATE_RISK', 'MINOR_PHYSICAL_ALTERCATION', 'PHYSICAL_CHILD_ABUSE_MEDIA']);
    expect(await openCount('PHYSICAL_CHILD_ABUSE_MEDIA')).toBe('0');
    await waitForText('.exposure', /Exposure today: 0 of 1 cases\s*$/);
  });

  it('shows a report filed elsewhere as it commits, without polling', async () => {
    screenshotOnFailure('live-queue');
    // Nothing is asked of the server while nothing happens: the clock ticks locally.
    const quietFrom = Date.now();
    await new Promise((r) => setTimeout(r, 2500));
    expect(graphqlRequests.filter((r) => r.at >= quietFrom)).toEqual([]);
    await fileReport({
      contentId,
      contentUrl,
      reportedAccountId: accountId,
      category: 'PHYSICAL_CHILD_ABUSE_MEDIA',
      description: 'placeholder description',
      mediaHashes: [{ algorithm: 'SHA256', value: hex(32) }],
    });
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '1', { timeout: 15_000 }, `${queueCard('PHYSICAL_CHILD_ABUSE_MEDIA')} [data-open-count]`);
    expect(await page.$$eval(`${queueCard('PHYSICAL_CHILD_ABUSE_MEDIA')} tbody tr`, (rows) => rows.length)).toBe(1);
    await waitForText(`${queueCard('PHYSICAL_CHILD_ABUSE_MEDIA')} tbody td.sla`, /^\d+ h \d\d min$/);
    await documentScreen('console-queues');
  });

  it('reconnects after a dropped socket and catches up on what it missed', async () => {
    screenshotOnFailure('reconnect');
    expect(upgraded.length).toBeGreaterThan(0);
    for (const socket of upgraded.splice(0)) socket.destroy();
    await waitForText('.live-status', 'Reconnecting');
    await fileReport({ contentId: `content-${hex(4)}`, category: 'MINOR_PHYSICAL_ALTERCATION', description: 'placeholder description' });
    await waitForText('.live-status', /Live$/, 20_000);
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '1', { timeout: 15_000 }, `${queueCard('MINOR_PHYSICAL_ALTERCATION')} [data-open-count]`);
  });

  it('claims the next case by keyboard and shows it, the content hidden and not fetched', async () => {
    screenshotOnFailure('claim');
    const claim = await page.waitForSelector(aria('Claim next case from Physical child abuse media', 'button'));
    await claim!.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#case-heading');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('case-heading');
    await waitForText('.lease', /Lease: \d+ min \d\d s left/);
    await page.locator(aria('Renew lease', 'button')).click();
    await waitForText('.lease', /Lease: 9 min 5\d s left/);
    await waitForText('#reports-heading', 'Reports (1)');
    await waitForText('.reports', 'placeholder description');
    // A specialist is not shown reporter identity: the console does not ask for it.
    expect(await page.$$eval('.reports .meta', (m) => m.map((e) => e.textContent).join(' '))).not.toMatch(/Reporter account/);
    await waitForText('.audit summary', /Audit trail \(\d+ events\)/);
    await waitForText('.exposure', 'Exposure today: 1 of 1 cases — cap reached');
    expect(mediaRequests).toEqual([]);
    expect(await page.$('img.media')).toBeNull();
    expect(await unlabelledControls()).toEqual([]);
  });

  it('reveals the content only when asked, blurred and in greyscale first', async () => {
    screenshotOnFailure('reveal');
    await page.locator(aria('Reveal content', 'button')).click();
    const image = await page.waitForSelector('img.media');
    expect(await image!.evaluate((e) => e.className)).toMatch(/blurred.*greyscale/);
    expect(await image!.evaluate((e) => getComputedStyle(e).filter)).toMatch(/blur\(.*grayscale\(1\)/);
    await page.waitForFunction(() => (document.querySelector('img.media') as HTMLImageElement | null)?.complete === true);
    expect(mediaRequests).toEqual([contentUrl]);
    await page.locator(aria('Remove blur', 'button')).click();
    expect(await image!.evaluate((e) => e.className)).not.toMatch(/blurred/);
  });

  it('assesses on a form generated from the policy, with the recommendation and its quoted clauses', async () => {
    screenshotOnFailure('assess');
    await page.waitForSelector('#f-category');
    const selects = await page.$$eval('form.assess select', (s) => s.map((e) => e.id));
    // The abuse-media category's factors only: no media kind, no promotion, no "excessively graphic".
    expect(selects).toEqual(['f-category', 'f-age', 'f-nudity', 'f-severity', 'f-context']);
    expect(await page.$eval('#assess-heading + form button[type="submit"]', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    await page.select('#f-age', 'APPARENT_MINOR');
    await page.select('#f-nudity', 'FULLY_CLOTHED');
    await page.select('#f-severity', 'SEVERE');
    await page.select('#f-context', 'ABUSIVE');
    await page.waitForSelector('.recommendation blockquote');
    const quotes = await page.$$eval('.recommendation blockquote', (q) => q.map((e) => e.textContent ?? ''));
    expect(quotes.length).toBeGreaterThan(0);
    expect(quotes.every((q) => q.length > 20)).toBe(true);
    await documentScreen('console-case');
    await page.locator(aria('Submit assessment', 'button')).click();
    await page.waitForSelector('#decide-heading');
  });

  it('decides: a deviation asks for a justification, a version conflict offers a reload, the statement of reasons follows', async () => {
    screenshotOnFailure('decide');
    const recommended = await page.$eval('[data-recommended]', (e) => e.textContent ?? '');
    expect(recommended).toMatch(/remove content/);
    await waitForText('#sor-heading + dl', /Ground/);
    // Unticking a recommended action is a deviation: the decision waits for a justification.
    await page.locator('input[name="action"][value="REMOVE_CONTENT"]').click();
    await page.waitForSelector('#f-justification');
    expect(await page.$eval(aria('Decide', 'button'), (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    await page.locator('input[name="action"][value="REMOVE_CONTENT"]').click();
    await page.waitForFunction(() => !document.querySelector('#f-justification'));

    // Another report on the same content changes the case after it was loaded.
    await fileReport({ contentId, category: 'PHYSICAL_CHILD_ABUSE_MEDIA', description: 'placeholder description' });
    // caseUpdated says so at once; deciding on the stale version anyway is refused with a typed error.
    await waitForText('.notice.changed', 'This case changed since you loaded it');
    await page.locator(aria('Decide', 'button')).click();
    await waitForText('[role="alert"]', 'The case changed since you loaded it');
    await page.locator('[role="alert"] button').click();
    await waitForText('#reports-heading', 'Reports (2)');
    await page.locator(aria('Decide', 'button')).click();
    await waitForText('#decision-heading', /Decided: .*remove content/);
    await waitForText('.statement', /Redress/);
    decidedCaseId = await page.$eval('article[data-case-id]', (e) => e.getAttribute('data-case-id') ?? '');
  });

  it('at the exposure cap, claiming more such cases is refused with a clear message; other queues stay open, and a release hands a case back', async () => {
    screenshotOnFailure('exposure-cap');
    await page.locator(aria('Back to queues', 'button')).click();
    await fileReport({ contentId: `content-${hex(4)}`, category: 'CHILD_SEXUAL_EXPLOITATION', description: 'placeholder description' });
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '1', { timeout: 15_000 }, `${queueCard('CHILD_SEXUAL_EXPLOITATION')} [data-open-count]`);
    await page.locator(aria('Claim next case from Child sexual exploitation', 'button')).click();
    await waitForText('[role="alert"]', 'You have reached today’s exposure cap');
    await waitForText(`${queueCard('CHILD_SEXUAL_EXPLOITATION')} .hint`, 'exposure cap');
    expect(await page.$(`${queueCard('MINOR_PHYSICAL_ALTERCATION')} .hint`)).toBeNull();
    expect(await page.$('#case-heading')).toBeNull();
    await page.locator(aria('Claim next case from Minor physical altercation', 'button')).click();
    await waitForText('#case-heading', 'Minor physical altercation');
    // Releasing hands the case back: the console returns to the queues, where it waits unclaimed.
    await page.locator(aria('Release case', 'button')).click();
    await waitForText(`${queueCard('MINOR_PHYSICAL_ALTERCATION')} tbody td:nth-child(3)`, /^open$/);
    expect(await openCount('MINOR_PHYSICAL_ALTERCATION')).toBe('1');
  });

  it('logged no error in the browser console', () => {
    expect(consoleErrors).toEqual([]);
  });
});

describe('roles decide what the console shows', { sequential: true, timeout: 90_000 }, () => {
  /** A new tab (its own session storage) signed in with the token. */
  async function signedIn(jwt: string) {
    const tab = await browser.newPage();
    await tab.setViewport({ width: 1280, height: 800 });
    await tab.goto(`${origin}/console`, { waitUntil: 'networkidle0' });
    await tab.locator(aria('Bearer token', 'textbox')).fill(jwt);
    await tab.locator(aria('Sign in', 'button')).click();
    await tab.waitForSelector('header');
    current = tab;
    return tab;
  }
  const text = (tab: Page, selector: string) => tab.$$eval(selector, (e) => e.map((x) => x.textContent ?? '').join('\n'));

  it('a token the API refuses is named on the sign-in form', async () => {
    screenshotOnFailure('refused-token');
    const tab = await browser.newPage();
    current = tab;
    try {
      await tab.goto(`${origin}/console`, { waitUntil: 'networkidle0' });
      await tab.locator(aria('Bearer token', 'textbox')).fill('not-a-token');
      await tab.locator(aria('Sign in', 'button')).click();
      await tab.waitForSelector('[role="alert"]');
      expect(await text(tab, '[role="alert"]')).toMatch(/Your sign-in is no longer valid/);
      expect(await tab.evaluate(() => sessionStorage.getItem('console.token'))).toBeNull();
    } finally {
      // Closed with the browser, after a failing test's screenshot.
      await tab.evaluate(() => sessionStorage.clear());
    }
  });

  it('a reviewer works only the altercation queue and sees no lead or liaison panel', async () => {
    screenshotOnFailure('reviewer');
    const tab = await signedIn(await token('day-reviewer', ['REVIEWER'], 'Day Reviewer'));
    try {
      await tab.waitForSelector('section[data-queue]');
      expect(await tab.$$eval('section[data-queue]', (s) => s.map((e) => e.getAttribute('data-queue')))).toEqual(['MINOR_PHYSICAL_ALTERCATION']);
      expect(await tab.$('#lead-heading')).toBeNull();
      expect(await tab.$('#liaison-heading')).toBeNull();
    } finally {
      // Closed with the browser, after a failing test's screenshot.
      await tab.evaluate(() => sessionStorage.clear());
    }
  });

  it('a lead sees queue health and the team’s exposure', async () => {
    screenshotOnFailure('lead');
    const tab = await signedIn(await token('day-lead', ['LEAD'], 'Day Lead'));
    try {
      await tab.waitForSelector('#lead-heading + table, #lead-heading ~ table');
      await tab.waitForFunction(() => document.querySelectorAll('section[data-queue]').length === 5);
      expect(await text(tab, 'table')).toMatch(/Day Specialist\s*1 \(cap reached\)/);
      expect(await text(tab, 'table caption')).toMatch(/Queue health[\s\S]*Team exposure today/);
    } finally {
      // Closed with the browser, after a failing test's screenshot.
      await tab.evaluate(() => sessionStorage.clear());
    }
  });

  it('a liaison works no queue, sees CyberTipline records and referrals, and takes a referral through its steps', async () => {
    screenshotOnFailure('liaison');
    // A reviewer confirms a reported immediate risk over the API: that creates a referral.
    await fileReport({ contentId: `content-${hex(4)}`, category: 'MINOR_PHYSICAL_ALTERCATION', childAtImmediateRisk: true, description: 'placeholder description' });
    const assessor = await token('api-specialist', ['CHILD_SAFETY_SPECIALIST'], 'Api Specialist');
    const claimed = await server.gql(`mutation { claimNextCase(queue: IMMEDIATE_RISK) { __typename ... on ClaimNextCaseSuccess { case { id } } } }`, {}, { token: assessor });
    expect(claimed.data.claimNextCase.__typename).toBe('ClaimNextCaseSuccess');
    const assessed = await server.gql(
      `mutation ($input: AssessmentInput!) { submitAssessment(input: $input) { __typename } }`,
      { input: { caseId: claimed.data.claimNextCase.case.id, category: 'MINOR_PHYSICAL_ALTERCATION', ageAssessment: 'APPARENT_MINOR', context: 'ABUSIVE', excessivelyGraphic: false, childAtImmediateRisk: true } },
      { token: assessor },
    );
    expect(assessed.data.submitAssessment.__typename).toBe('SubmitAssessmentSuccess');

    const tab = await signedIn(await token('day-liaison', ['LAW_ENFORCEMENT_LIAISON'], 'Day Liaison'));
    try {
      await tab.waitForSelector('#liaison-heading ~ table');
      expect(await text(tab, 'main')).toMatch(/Your roles work no queue/);
      expect(await text(tab, 'table caption')).toMatch(/CyberTipline records[\s\S]*Law-enforcement referrals/);
      expect(await tab.$('.exposure')).toBeNull();
      await tab.waitForSelector('tr[data-referral]');
      expect(await text(tab, 'tr[data-referral] td:nth-child(3)')).toBe('pending');
      await tab.locator(aria('Mark referral sent', 'button')).click();
      await tab.locator(aria('Agency', 'textbox')).fill('placeholder agency');
      await tab.locator(aria('Agency reference', 'textbox')).fill('ref-123');
      await tab.keyboard.press('Enter');
      await tab.waitForFunction(() => document.querySelector('tr[data-referral] td:nth-child(3)')?.textContent === 'sent');
      await tab.locator(aria('Close referral', 'button')).click();
      await tab.locator(aria('Close referral', 'button')).click();
      await tab.waitForFunction(() => document.querySelector('tr[data-referral] td:nth-child(3)')?.textContent === 'closed');
      expect(await text(tab, 'tr[data-referral]')).toMatch(/placeholder agency \(ref-123\)/);
    } finally {
      // Closed with the browser, after a failing test's screenshot.
      await tab.evaluate(() => sessionStorage.clear());
    }
  });

  it('an appeals reviewer claims an appeal and decides it', async () => {
    screenshotOnFailure('appeals');
    expect(decidedCaseId).not.toBe('');
    const lead = await token('day-lead', ['LEAD'], 'Day Lead');
    const found = await server.gql(`query ($id: ID!) { case(id: $id) { decision { id } } }`, { id: decidedCaseId }, { token: lead });
    const platform = await token('day-platform', ['PLATFORM'], 'Platform');
    const appealed = await server.gql(
      `mutation ($input: SubmitAppealInput!) { submitAppeal(input: $input) { __typename } }`,
      { input: { decisionId: found.data.case.decision.id, appellantAccountId: accountId, statement: 'placeholder statement' } },
      { token: platform },
    );
    expect(appealed.data.submitAppeal.__typename).toBe('SubmitAppealSuccess');

    // Abuse-media cases, appealed or not, are for specialists.
    const tab = await signedIn(await token('day-appeals', ['APPEALS_REVIEWER', 'CHILD_SAFETY_SPECIALIST'], 'Day Appeals'));
    current = tab;
    try {
      await tab.waitForFunction((sel) => document.querySelector(sel)?.textContent === '1', { timeout: 15_000 }, `${queueCard('APPEALS')} [data-open-count]`);
      await tab.locator(aria('Claim next case from Appeals', 'button')).click();
      await tab.waitForSelector('#appeal-heading');
      await tab.locator(aria('Upheld: the decision stands', 'radio')).click();
      await tab.locator(aria('Reason', 'textbox')).fill('placeholder reason');
      await tab.locator(aria('Decide appeal', 'button')).click();
      await tab.waitForFunction(() => /upheld by Day Appeals/.test(document.querySelector('#appeals-heading')?.parentElement?.textContent ?? ''), { timeout: 15_000 });
      expect(await text(tab, '.meta')).toMatch(/closed/);
    } finally {
      // Closed with the browser, after a failing test's screenshot.
      await tab.evaluate(() => sessionStorage.clear());
    }
  });
});
