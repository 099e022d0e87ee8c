// A client for NCMEC's CyberTipline reporting web service for ESPs ("ISPWS"): HTTP Basic auth on every call,
// XML documents built and read with fast-xml-parser, answers classified by NCMEC's response codes. See
// docs/operations.md "CyberTipline" for the endpoints, the codes and what the service does with each.
import { createHash } from 'node:crypto';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/** NCMEC's response codes (responseCode in every answer). */
export const ResponseCode = {
  OK: 0,
  SERVER_ERROR: 1000,
  AUTHENTICATION_REQUIRED: 2000,
  NOT_AUTHORIZED: 3100,
  VALIDATION_FAILED: 4100,
  NO_SUCH_REPORT: 5001,
  ALREADY_FINISHED: 5102,
} as const;

export const INCIDENT_TYPE_CHILD_PORNOGRAPHY = 'Child Pornography (possession, manufacture, and distribution)';

/**
 * What a failed call means for the record: TRANSIENT (server error 1000, network, timeout: try again later),
 * AUTH (2000/3100, HTTP 401/403: stop sending until credentials are fixed), VALIDATION (4100: the report needs
 * correcting), REJECTED (any other code; `code` says which).
 */
export type FailureKind = 'TRANSIENT' | 'AUTH' | 'VALIDATION' | 'REJECTED';

export class CyberTiplineError extends Error {
  override name = 'CyberTiplineError';
  constructor(
    readonly kind: FailureKind,
    readonly code: number | null,
    readonly description: string,
  ) {
    super(code === null ? description : `NCMEC answered ${code}: ${description}`);
  }
}

export interface ReportResponse {
  responseCode: number;
  responseDescription: string;
  reportId: string | null;
  fileId: string | null;
  hash: string | null;
  /** /finish: the report's files. */
  files: string[];
}

export interface Reporter {
  firstName: string;
  lastName: string;
  email?: string | undefined;
  phone?: string | undefined;
}

/** What a report says: references and hashes, never media, reporter identity or report text. */
export interface ReportContents {
  incidentDateTime: string;
  contentUrl: string | null;
  contentId: string;
  reportedAccountId: string | null;
  mediaHashes: Array<{ algorithm: string; value: string }>;
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', suppressEmptyNode: true, format: false });
const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (_name, jpath) => String(jpath).endsWith('files.fileId'),
});

const XML_DECLARATION = { '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' } };

/** The `<report>` document for /submit, in the element order of NCMEC's schema. Absent facts are left out. */
export function buildReportXml(contents: ReportContents, reporter: Reporter, espService: string): string {
  const hashes = contents.mediaHashes.map((h) => `${h.algorithm} ${h.value}`).join('; ');
  const report = {
    incidentSummary: { incidentType: INCIDENT_TYPE_CHILD_PORNOGRAPHY, incidentDateTime: contents.incidentDateTime },
    ...(contents.contentUrl ? { internetDetails: { webPageIncident: { url: contents.contentUrl } } } : {}),
    reporter: {
      reportingPerson: { firstName: reporter.firstName, lastName: reporter.lastName, email: reporter.email, phone: reporter.phone },
    },
    ...(contents.reportedAccountId ? { personOrUserReported: { espIdentifier: contents.reportedAccountId, espService } } : {}),
    additionalInfo: `Platform content id ${contents.contentId}.${hashes ? ` Media hashes: ${hashes}.` : ''}`,
  };
  return builder.build({ ...XML_DECLARATION, report });
}

/** The `<fileDetails>` document for /fileinfo. */
export function buildFileDetailsXml(details: { reportId: string; fileId: string; fileName: string; hashes: Array<{ algorithm: string; value: string }> }): string {
  return builder.build({
    ...XML_DECLARATION,
    fileDetails: {
      reportId: details.reportId,
      fileId: details.fileId,
      originalFileName: details.fileName,
      fileViewedByEsp: 'true',
      originalFileHash: details.hashes.map((h) => ({ '@_hashType': h.algorithm, '#text': h.value })),
    },
  });
}

/** Reads a `<reportResponse>` or `<reportDoneResponse>`; throws a TRANSIENT error when the body is not one. */
export function parseResponse(body: string): ReportResponse {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(body) as Record<string, unknown>;
  } catch {
    throw new CyberTiplineError('TRANSIENT', null, 'NCMEC answered with a document that is not XML');
  }
  const root = (doc.reportResponse ?? doc.reportDoneResponse) as Record<string, unknown> | undefined;
  const code = root ? Number(root.responseCode) : NaN;
  if (!root || !Number.isInteger(code)) throw new CyberTiplineError('TRANSIENT', null, 'NCMEC answered without a response code');
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);
  const files = (root.files as { fileId?: unknown[] } | undefined)?.fileId ?? [];
  return {
    responseCode: code,
    responseDescription: text(root.responseDescription) ?? '',
    reportId: text(root.reportId),
    fileId: text(root.fileId),
    hash: text(root.hash),
    files: files.map((f) => String(f)),
  };
}

function failureKind(code: number): FailureKind {
  if (code === ResponseCode.SERVER_ERROR) return 'TRANSIENT';
  if (code === ResponseCode.AUTHENTICATION_REQUIRED || code === ResponseCode.NOT_AUTHORIZED) return 'AUTH';
  if (code === ResponseCode.VALIDATION_FAILED) return 'VALIDATION';
  return 'REJECTED';
}

export interface IspwsOptions {
  baseUrl: string;
  username: string;
  password: string;
}

/** A file to attach: streamed from the evidence store to /upload, hashed on the way, never buffered whole. */
export interface EvidenceStream {
  fileName: string;
  body: ReadableStream<Uint8Array>;
  /**
   * Called with the file's digests after its last byte and before the upload completes; returning false aborts the
   * upload, so NCMEC never receives a complete file.
   */
  accept(digests: { MD5: string; SHA256: string }): boolean;
}

export class EvidenceRejectedError extends Error {
  override name = 'EvidenceRejectedError';
  constructor(readonly digests: { MD5: string; SHA256: string }) {
    super('The evidence file does not match the case’s hashes');
  }
}

export class IspwsClient {
  private readonly base: string;
  private readonly authorization: string;

  constructor(options: IspwsOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  }

  /** GET /status: checks connectivity and credentials. */
  status(signal?: AbortSignal) {
    return this.call('GET', '/status', undefined, signal);
  }

  /** POST /submit: opens a report; resolves with NCMEC's report id. */
  async submit(reportXml: string, signal?: AbortSignal): Promise<string> {
    const answer = await this.call('POST', '/submit', { body: reportXml, type: 'text/xml; charset=utf-8' }, signal);
    if (!answer.reportId) throw new CyberTiplineError('TRANSIENT', null, 'NCMEC accepted the report without a report id');
    return answer.reportId;
  }

  /** POST /upload: streams one file as multipart/form-data (`id`, `file`). */
  async upload(reportId: string, file: EvidenceStream, signal?: AbortSignal): Promise<{ fileId: string; hash: string | null }> {
    const boundary = `----cybertipline${createHash('sha256').update(`${reportId}${Date.now()}${Math.random()}`).digest('hex').slice(0, 24)}`;
    const encoder = new TextEncoder();
    const safeName = file.fileName.replace(/["\r\n\\]/g, '_');
    const head = encoder.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="id"\r\n\r\n${reportId}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${safeName}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
    const md5 = createHash('md5');
    const sha256 = createHash('sha256');
    let rejected: EvidenceRejectedError | null = null;
    const reader = file.body.getReader();
    let started = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!started) {
          started = true;
          controller.enqueue(head);
          return;
        }
        const { done, value } = await reader.read();
        if (!done) {
          md5.update(value);
          sha256.update(value);
          controller.enqueue(value);
          return;
        }
        const digests = { MD5: md5.digest('hex'), SHA256: sha256.digest('hex') };
        if (!file.accept(digests)) {
          rejected = new EvidenceRejectedError(digests);
          controller.error(rejected);
          return;
        }
        controller.enqueue(tail);
        controller.close();
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    try {
      const answer = await this.call('POST', '/upload', { body, type: `multipart/form-data; boundary=${boundary}` }, signal);
      if (!answer.fileId) throw new CyberTiplineError('TRANSIENT', null, 'NCMEC accepted the file without a file id');
      return { fileId: answer.fileId, hash: answer.hash };
    } catch (error) {
      if (rejected) throw rejected;
      throw error;
    } finally {
      await reader.cancel().catch(() => {});
    }
  }

  /** POST /fileinfo: the details of one uploaded file. */
  async fileInfo(detailsXml: string, signal?: AbortSignal): Promise<void> {
    await this.call('POST', '/fileinfo', { body: detailsXml, type: 'text/xml; charset=utf-8' }, signal);
  }

  /** POST /finish: closes the report. */
  finish(reportId: string, signal?: AbortSignal) {
    return this.call('POST', '/finish', { body: new URLSearchParams({ id: reportId }).toString(), type: 'application/x-www-form-urlencoded' }, signal);
  }

  /** POST /retract: cancels a report that is not finished. */
  retract(reportId: string, signal?: AbortSignal) {
    return this.call('POST', '/retract', { body: new URLSearchParams({ id: reportId }).toString(), type: 'application/x-www-form-urlencoded' }, signal);
  }

  /** One call; resolves with a success answer (code 0) or throws a classified CyberTiplineError. */
  private async call(method: 'GET' | 'POST', path: string, content: { body: string | ReadableStream<Uint8Array>; type: string } | undefined, signal?: AbortSignal): Promise<ReportResponse> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: this.authorization, accept: 'text/xml, application/xml', ...(content ? { 'content-type': content.type } : {}) },
        body: content?.body,
        signal,
        redirect: 'error',
        ...(content && typeof content.body !== 'string' ? { duplex: 'half' } : {}),
      } as RequestInit);
      text = await response.text();
    } catch (error) {
      if (error instanceof EvidenceRejectedError) throw error;
      const e = error as Error & { cause?: Error & { code?: string } };
      const reason = e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timed out' : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new CyberTiplineError('TRANSIENT', null, `${method} ${path} failed: ${reason}`);
    }
    let answer: ReportResponse;
    try {
      answer = parseResponse(text);
    } catch (error) {
      if (response.status === 401 || response.status === 403) throw new CyberTiplineError('AUTH', null, `HTTP ${response.status} from ${path}`);
      if (response.status >= 400 && response.status < 500) throw new CyberTiplineError('REJECTED', null, `HTTP ${response.status} from ${path}`);
      throw error;
    }
    if (answer.responseCode !== ResponseCode.OK) {
      throw new CyberTiplineError(failureKind(answer.responseCode), answer.responseCode, answer.responseDescription || 'no description');
    }
    return answer;
  }
}
