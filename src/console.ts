// The reviewer console at /console: a static page whose scripts are plain ES modules, served by this server from the
// repository's console/ folder and from installed packages (preact, htm, graphql-ws's browser client), so it works
// offline and loads nothing from another origin. It speaks only the public GraphQL API (HTTP and graphql-ws on
// /graphql). The page runs no inline script: the one inline block is the import map, allowed by its hash in a strict
// Content-Security-Policy.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'graphql-yoga';

export const CONSOLE_PATH = '/console';
const ASSETS = `${CONSOLE_PATH}/assets/`;
const VENDOR = `${CONSOLE_PATH}/vendor/`;

/** The console's own files: console/ beside src/ (and beside dist/ in a production install). */
const OWN_DIR = fileURLToPath(new URL('../console/', import.meta.url));

const require = createRequire(import.meta.url);
/** The folder of the file a package's CommonJS entry resolves to; its ES module build sits beside it. */
const distOf = (specifier: string) => dirname(require.resolve(specifier));

/** Browser builds served under /console/vendor/, by the name the import map gives them. */
const VENDOR_FILES: Record<string, () => string> = {
  'preact.js': () => join(distOf('preact'), 'preact.mjs'),
  'preact-hooks.js': () => join(distOf('preact/hooks'), 'hooks.mjs'),
  'htm.js': () => join(distOf('htm'), 'htm.mjs'),
  // graphql-ws's browser entry imports a shared chunk by a relative path: both are served from one folder.
  ...Object.fromEntries(
    readdirSync(distOf('graphql-ws'))
      .filter((name) => name === 'client.js' || /^common-[\w-]+\.js$/.test(name))
      .map((name) => [`graphql-ws/${name}`, () => join(distOf('graphql-ws'), name)]),
  ),
};

const IMPORT_MAP = JSON.stringify({
  imports: {
    preact: `${VENDOR}preact.js`,
    'preact/hooks': `${VENDOR}preact-hooks.js`,
    htm: `${VENDOR}htm.js`,
    'graphql-ws': `${VENDOR}graphql-ws/client.js`,
  },
});
const IMPORT_MAP_HASH = `'sha256-${createHash('sha256').update(IMPORT_MAP).digest('base64')}'`;

/** Plain http:// media origins are accepted only for these hosts (a test fake on the same machine). */
const isLoopbackHost = (hostname: string) => hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);

/**
 * CONSOLE_MEDIA_ORIGINS: comma-separated origins (https://host[:port], plain http only on a loopback host) whose
 * images and video the console may show when a reviewer reveals content. Answers the origins in canonical form;
 * throws on anything else (a path, credentials, a wildcard, a CSP source keyword), so no value can widen the policy
 * beyond the hosts it names.
 */
export function parseMediaOrigins(text: string | undefined): string[] {
  const origins: string[] = [];
  for (const item of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const url = URL.canParse(item) ? new URL(item) : null;
    const secure = url && (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)));
    if (!url || !secure || !url.hostname || url.username || url.password || url.pathname !== '/' || url.search || url.hash || /[\s;*'"]/.test(item)) {
      throw new Error(`must be comma-separated https:// origins such as https://media.example.com (no path; plain http:// only for loopback hosts): ${JSON.stringify(item.slice(0, 80))}`);
    }
    if (!origins.includes(url.origin)) origins.push(url.origin);
  }
  return origins;
}

/**
 * Scripts only from this origin (and the import map by its hash); styles only from files; GraphQL and graphql-ws
 * only to this origin. Content the reviewer reveals is loaded from its URL, never before it is asked for, and only
 * from the media origins configured (CONSOLE_MEDIA_ORIGINS); with none, from no other host at all.
 */
export const consoleCsp = (mediaOrigins: readonly string[] = []) => [
  "default-src 'none'",
  `script-src 'self' ${IMPORT_MAP_HASH}`,
  "style-src 'self'",
  ["img-src 'self'", ...mediaOrigins].join(' '),
  ["media-src 'self'", ...mediaOrigins].join(' '),
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export const CONSOLE_CSP = consoleCsp();

const escapeAttribute = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The page; it names the allowed media origins, so the console says when content lies elsewhere instead of fetching it. */
const page = (mediaOrigins: readonly string[]) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <meta name="console-media-origins" content="${escapeAttribute(mediaOrigins.join(' '))}" />
    <title>Reviewer console</title>
    <link rel="icon" href="${ASSETS}favicon.svg" type="image/svg+xml" />
    <link rel="stylesheet" href="${ASSETS}console.css" />
    <script type="importmap">${IMPORT_MAP}</script>
    <script type="module" src="${ASSETS}main.js"></script>
  </head>
  <body>
    <noscript>The reviewer console needs JavaScript.</noscript>
    <div id="app"></div>
  </body>
</html>
`;

const TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' };
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

export interface ConsoleOptions {
  /** Origins revealed content may be loaded from (CONSOLE_MEDIA_ORIGINS, parsed by parseMediaOrigins). */
  mediaOrigins?: readonly string[];
}

/** Serves GET /console, /console/assets/<file> and /console/vendor/<file>; anything else under /console is a 404. */
export function useConsole(options: ConsoleOptions = {}): Plugin {
  const mediaOrigins = options.mediaOrigins ?? [];
  const csp = consoleCsp(mediaOrigins);
  const html = page(mediaOrigins);
  const cache = new Map<string, string>();
  const read = (path: string) => {
    let body = cache.get(path);
    if (body === undefined) cache.set(path, (body = readFileSync(path, 'utf8')));
    return body;
  };
  const own = new Set(readdirSync(OWN_DIR).filter((name) => /^[\w-]+\.(js|css|svg)$/.test(name)));
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      const path = url.pathname;
      // Whoever opens the server's address in a browser is sent to the console (GraphQL stays at /graphql).
      if (path === '/' && (request.method === 'GET' || request.method === 'HEAD')) {
        return endResponse(new fetchAPI.Response(null, { status: 302, headers: { ...SECURITY_HEADERS, location: CONSOLE_PATH } }));
      }
      if (path !== CONSOLE_PATH && !path.startsWith(`${CONSOLE_PATH}/`)) return;
      const respond = (status: number, body: string, headers: Record<string, string>) =>
        endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : body, { status, headers: { ...SECURITY_HEADERS, ...headers } }));
      const notFound = () => respond(404, 'Not found', { 'content-type': 'text/plain; charset=utf-8' });
      if (request.method !== 'GET' && request.method !== 'HEAD') return notFound();
      if (path === CONSOLE_PATH || path === `${CONSOLE_PATH}/`) {
        return respond(200, html, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp, 'cache-control': 'no-store' });
      }
      let file: string | undefined;
      if (path.startsWith(ASSETS) && own.has(path.slice(ASSETS.length))) file = join(OWN_DIR, path.slice(ASSETS.length));
      else if (path.startsWith(VENDOR)) file = VENDOR_FILES[path.slice(VENDOR.length)]?.();
      if (!file) return notFound();
      const extension = file.slice(file.lastIndexOf('.') + 1);
      return respond(200, read(file), { 'content-type': TYPES[extension] ?? TYPES.js!, 'cache-control': 'no-cache' });
    },
  };
}
