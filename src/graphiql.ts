// GraphiQL from the installed @graphql-yoga/render-graphiql: the page and every asset it needs (the bundle, its
// stylesheet, the editor's three workers, the icon) are served by this server under /graphiql/, so it works offline
// and loads nothing from another origin. The page runs no inline script: its options travel as a JSON data block.
// Development only: production turns GraphiQL off.
import type { Plugin } from 'graphql-yoga';

type Bundle = typeof import('@graphql-yoga/render-graphiql/graphiql');

export const GRAPHIQL_ASSETS = '/graphiql/';

/** Sets up the editor's workers; loaded before the bundle. */
const SETUP = `self.MonacoEnvironment = {
  globalAPI: false,
  getWorkerUrl: function (moduleId, label) {
    return {
      editorWorkerService: '${GRAPHIQL_ASSETS}editor.worker.js',
      json: '${GRAPHIQL_ASSETS}json.worker.js',
      graphql: '${GRAPHIQL_ASSETS}graphql.worker.js',
    }[label];
  },
};
`;

/** Renders GraphiQL with the options in the page's JSON data block; loaded after the bundle. */
const START = `YogaGraphiQL.renderYogaGraphiQL(
  document.querySelector('#root'),
  JSON.parse(document.getElementById('graphiql-options').textContent),
);
`;

const JS = 'text/javascript; charset=utf-8';
const FILES: Record<string, { type: string; body: (bundle: Bundle) => string | Uint8Array<ArrayBuffer> }> = {
  'setup.js': { type: JS, body: () => SETUP },
  'graphiql.js': { type: JS, body: (b) => b.js },
  'start.js': { type: JS, body: () => START },
  'graphiql.css': { type: 'text/css; charset=utf-8', body: (b) => b.css },
  'editor.worker.js': { type: JS, body: (b) => b.editorWorkerService },
  'json.worker.js': { type: JS, body: (b) => b.jsonWorker },
  'graphql.worker.js': { type: JS, body: (b) => b.graphqlWorker },
  'favicon.ico': { type: 'image/x-icon', body: (b) => Uint8Array.from(Buffer.from(b.favicon.replace(/^data:[^,]*;base64,/, ''), 'base64')) },
};

let bundle: Promise<Bundle> | undefined;
/** The bundle is 9 MB of JavaScript: read on the first GraphiQL request, not at start. */
const loadBundle = () => (bundle ??= import('@graphql-yoga/render-graphiql/graphiql'));

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page yoga serves at the GraphQL endpoint to a browser (yoga's `renderGraphiQL`). */
export function renderGraphiQL(options: { title?: string } = {}): string {
  const json = JSON.stringify(options).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${GRAPHIQL_ASSETS}favicon.ico" />
    <link rel="stylesheet" href="${GRAPHIQL_ASSETS}graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script id="graphiql-options" type="application/json">${json}</script>
    <script src="${GRAPHIQL_ASSETS}setup.js"></script>
    <script src="${GRAPHIQL_ASSETS}graphiql.js"></script>
    <script src="${GRAPHIQL_ASSETS}start.js"></script>
  </body>
</html>
`;
}

/** Serves GET /graphiql/<asset>; anything else under the prefix is a 404. */
export function useGraphiQLAssets(): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(GRAPHIQL_ASSETS)) return;
      const file = request.method === 'GET' || request.method === 'HEAD' ? FILES[url.pathname.slice(GRAPHIQL_ASSETS.length)] : undefined;
      if (!file) {
        endResponse(new fetchAPI.Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
        return;
      }
      const body = file.body(await loadBundle());
      endResponse(new fetchAPI.Response(body, { status: 200, headers: { 'content-type': file.type, 'cache-control': 'public, max-age=3600' } }));
    },
  };
}
