// A fake of NCMEC's CyberTipline reporting web service for ESPs, over real HTTP: Basic auth on every call, the
// endpoints (/status, /submit, /upload, /fileinfo, /finish, /retract), XML answers (<reportResponse>,
// <reportDoneResponse>) with NCMEC's response codes, and each report checked against the schema's required elements.
// Tests inject failures (a response code, or a dropped connection) and can hold a request to crash a client mid-call.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

export interface FakeFile {
  fileId: string;
  name: string;
  md5: string;
  sha256: string;
  bytes: number;
  details: Record<string, unknown> | null;
}

export interface FakeReport {
  reportId: string;
  xml: string;
  report: Record<string, any>;
  files: FakeFile[];
  finished: boolean;
  retracted: boolean;
}

export interface FakeCall {
  method: string;
  path: string;
  /** The report id the call named, if any. */
  id: string | null;
  /** The response code answered, or 'network' for a dropped connection, or 'held'. */
  answered: number | 'network' | 'held' | 'aborted';
}

type Injected = { code: number; description: string } | 'network';

export interface FakeIspws {
  url: string;
  username: string;
  password: string;
  /** False: every call answers 3100 (no submission authorization). */
  authorized: boolean;
  reports: Map<string, FakeReport>;
  calls: FakeCall[];
  /** Answers the next `times` calls to `path` with `failure` instead of handling them. */
  fail(path: string, failure: Injected, times?: number): void;
  /** The next call to `path` is held unanswered; resolves when it arrives (its socket is destroyed on release). */
  hold(path: string): Promise<void>;
  releaseHeld(): void;
  close(): Promise<void>;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, isArray: (name) => name === 'originalFileHash' });
const builder = new XMLBuilder({ format: false, suppressEmptyNode: true });

function answer(res: ServerResponse, status: number, root: 'reportResponse' | 'reportDoneResponse', body: Record<string, unknown>) {
  res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8' });
  res.end(builder.build({ [root]: body }));
}

/** The elements NCMEC's schema requires of a <report>, and the shapes this project sends. */
function validateReport(doc: Record<string, any>): string | null {
  const report = doc.report;
  if (!report || typeof report !== 'object') return 'The document is not a <report>';
  const summary = report.incidentSummary;
  if (!summary?.incidentType) return 'incidentSummary/incidentType is required';
  if (!summary.incidentDateTime || Number.isNaN(Date.parse(summary.incidentDateTime))) return 'incidentSummary/incidentDateTime must be an ISO-8601 date and time';
  const person = report.reporter?.reportingPerson;
  if (!person || !(person.firstName || person.lastName || person.email)) return 'reporter/reportingPerson is required';
  const url = report.internetDetails?.webPageIncident?.url;
  if (report.internetDetails && !url) return 'internetDetails/webPageIncident/url is required';
  if (url && !URL.canParse(url)) return 'internetDetails/webPageIncident/url is not a URL';
  const reported = report.personOrUserReported;
  if (reported && !(reported.espIdentifier || reported.screenName)) return 'personOrUserReported needs an espIdentifier or screenName';
  const order = Object.keys(report);
  const schemaOrder = ['incidentSummary', 'internetDetails', 'lawEnforcement', 'reporter', 'personOrUserReported', 'intendedRecipient', 'victim', 'additionalInfo'];
  const positions = order.map((k) => schemaOrder.indexOf(k));
  if (positions.some((p) => p < 0)) return `Unknown element ${order[positions.findIndex((p) => p < 0)]}`;
  if (positions.some((p, i) => i > 0 && p < positions[i - 1]!)) return 'Elements are out of the schema order';
  return null;
}

/** Splits a multipart/form-data body into its named parts. */
function multipart(body: Buffer, boundary: string): Map<string, { filename: string | null; data: Buffer }> {
  const parts = new Map<string, { filename: string | null; data: Buffer }>();
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, split).toString('utf8');
    const name = /name="([^"]*)"/.exec(headers)?.[1];
    const filename = /filename="([^"]*)"/.exec(headers)?.[1] ?? null;
    if (name) parts.set(name, { filename, data: part.subarray(split + 4) });
    start = next;
  }
  return parts;
}

export async function startFakeIspws(options: { username?: string; password?: string } = {}): Promise<FakeIspws> {
  let nextReport = 100000;
  let nextFile = 1;
  const injected = new Map<string, Injected[]>();
  const holds = new Map<string, () => void>();
  const heldSockets = new Set<Socket>();
  const sockets = new Set<Socket>();
  const fake: FakeIspws = {
    url: '',
    username: options.username ?? 'esp-user',
    password: options.password ?? 'esp-password',
    authorized: true,
    reports: new Map(),
    calls: [],
    fail(path, failure, times = 1) {
      injected.set(path, [...(injected.get(path) ?? []), ...Array<Injected>(times).fill(failure)]);
    },
    hold(path) {
      return new Promise<void>((resolve) => holds.set(path, resolve));
    },
    releaseHeld() {
      for (const socket of heldSockets) socket.destroy();
      heldSockets.clear();
    },
    async close() {
      fake.releaseHeld();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://fake').pathname.replace(/^\/ispws/, '');
    const chunks: Buffer[] = [];
    let complete = false;
    req.on('data', (c: Buffer) => chunks.push(c));
    await new Promise<void>((resolve) => {
      req.on('end', () => ((complete = true), resolve()));
      req.on('error', () => resolve());
      req.on('close', () => resolve());
    });
    const body = Buffer.concat(chunks);
    const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body.toString('utf8')) : null;
    const call: FakeCall = { method: req.method ?? '', path, id: form?.get('id') ?? null, answered: 'aborted' };
    fake.calls.push(call);
    // A body cut short (the client aborted it) is never processed: nothing of it is stored.
    if (!complete) return;

    const auth = req.headers.authorization ?? '';
    const expected = `Basic ${Buffer.from(`${fake.username}:${fake.password}`).toString('base64')}`;
    if (auth !== expected) {
      call.answered = 2000;
      return answer(res, 401, 'reportResponse', { responseCode: 2000, responseDescription: 'Authentication required' });
    }
    const held = holds.get(path);
    if (held) {
      holds.delete(path);
      call.answered = 'held';
      heldSockets.add(req.socket);
      held();
      return;
    }
    const queue = injected.get(path);
    const failure = queue?.shift();
    if (failure === 'network') {
      call.answered = 'network';
      req.socket.destroy();
      return;
    }
    if (failure) {
      call.answered = failure.code;
      return answer(res, 200, 'reportResponse', { responseCode: failure.code, responseDescription: failure.description });
    }
    if (!fake.authorized) {
      call.answered = 3100;
      return answer(res, 200, 'reportResponse', { responseCode: 3100, responseDescription: 'User does not have submission authorization' });
    }
    const ok = (root: 'reportResponse' | 'reportDoneResponse', extra: Record<string, unknown>) => {
      call.answered = 0;
      answer(res, 200, root, { responseCode: 0, responseDescription: 'Success', ...extra });
    };
    const refuse = (code: number, description: string) => {
      call.answered = code;
      answer(res, 200, 'reportResponse', { responseCode: code, responseDescription: description });
    };
    const open = (id: string | null | undefined) => {
      const report = id ? fake.reports.get(String(id)) : undefined;
      if (!report || report.retracted) return refuse(5001, 'Report does not exist'), null;
      if (report.finished) return refuse(5102, 'Report has already been finished'), null;
      return report;
    };

    if (req.method === 'GET' && path === '/status') return ok('reportResponse', { responseDescription: `Remote User : ${fake.username}` });
    if (req.method !== 'POST') return refuse(1000, 'Unknown endpoint');
    if (path === '/submit') {
      if (!(req.headers['content-type'] ?? '').startsWith('text/xml')) return refuse(4100, 'Content-Type must be text/xml');
      let doc: Record<string, any>;
      try {
        doc = parser.parse(body.toString('utf8'), true);
      } catch {
        return refuse(4100, 'The report is not well-formed XML');
      }
      const problem = validateReport(doc);
      if (problem) return refuse(4100, problem);
      const reportId = String(nextReport++);
      fake.reports.set(reportId, { reportId, xml: body.toString('utf8'), report: doc.report, files: [], finished: false, retracted: false });
      return ok('reportResponse', { reportId });
    }
    if (path === '/upload') {
      const boundary = /boundary=(.+)$/.exec(req.headers['content-type'] ?? '')?.[1];
      if (!boundary) return refuse(4100, 'A multipart form is required');
      const parts = multipart(body, boundary);
      const file = parts.get('file');
      call.id = parts.get('id')?.data.toString('utf8') ?? null;
      const report = open(call.id);
      if (!report) return;
      if (!file) return refuse(4100, 'The form has no file');
      const fileId = `file-${nextFile++}`;
      const md5 = createHash('md5').update(file.data).digest('hex');
      report.files.push({ fileId, name: file.filename ?? '', md5, sha256: createHash('sha256').update(file.data).digest('hex'), bytes: file.data.length, details: null });
      return ok('reportResponse', { reportId: report.reportId, fileId, hash: md5 });
    }
    if (path === '/fileinfo') {
      let details: Record<string, any> | undefined;
      try {
        details = parser.parse(body.toString('utf8'), true).fileDetails;
      } catch {
        return refuse(4100, 'The file details are not well-formed XML');
      }
      if (!details?.reportId || !details.fileId) return refuse(4100, 'fileDetails needs reportId and fileId');
      call.id = String(details.reportId);
      const report = open(call.id);
      if (!report) return;
      const file = report.files.find((f) => f.fileId === details.fileId);
      if (!file) return refuse(4100, 'No such file in the report');
      file.details = details;
      return ok('reportResponse', { reportId: report.reportId });
    }
    if (path === '/finish') {
      const report = open(call.id);
      if (!report) return;
      report.finished = true;
      call.answered = 0;
      return answer(res, 200, 'reportDoneResponse', { responseCode: 0, reportId: report.reportId, files: report.files.length ? { fileId: report.files.map((f) => f.fileId) } : undefined });
    }
    if (path === '/retract') {
      const report = open(call.id);
      if (!report) return;
      report.retracted = true;
      return ok('reportResponse', { reportId: report.reportId });
    }
    return refuse(1000, 'Unknown endpoint');
  }

  const server = createServer((req, res) => void handle(req, res));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ispws`;
  return fake;
}

/** A stand-in for the platform's evidence store: serves fixed bytes per content id, counting requests. */
export async function startEvidenceStore(files: Map<string, Buffer>) {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const id = decodeURIComponent(new URL(req.url ?? '/', 'http://store').pathname.split('/').pop() ?? '');
    requests.push(id);
    const data = files.get(id);
    if (!data) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
    // In chunks, as a real store streams a large file.
    for (let i = 0; i < data.length; i += 16 * 1024) res.write(data.subarray(i, i + 16 * 1024));
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/evidence/{contentId}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
