// The case history: every case the user may see (the `cases` query: visibility is the server's), newest first,
// filtered by status, category and queue, a page at a time by cursor. A case opens read-only; nothing is claimed.
import { useEffect, useState } from 'preact/hooks';
import { gql } from './api.js';
import * as op from './operations.js';
import { asNotice, html, Notice } from './ui.js';
import { CATEGORIES, QUEUES, STATUSES, shortId, time, title, words } from './format.js';

const PAGE = 20;

/** Where the history stands (filters, the rows loaded, the next cursor); kept by the caller across opening a case. */
export const emptyHistory = () => ({ filter: { status: '', category: '', queue: '' }, rows: null, totalCount: 0, endCursor: null, hasNextPage: false });

function Choice({ id, label, value, options, onChange }) {
  return html`<div>
    <label for=${id}>${label}</label>
    <select id=${id} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
      <option value="">Any</option>
      ${options.map((o) => html`<option key=${o} value=${o}>${title(o)}</option>`)}
    </select>
  </div>`;
}

export function CaseHistory({ token, state, setState, onOpen }) {
  const [filter, setFilter] = useState(state.filter);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const load = async (applied, after) => {
    setBusy(true);
    setError(null);
    const f = Object.fromEntries(Object.entries(applied).filter(([, v]) => v).map(([k, v]) => [k, [v]]));
    try {
      const { cases } = await gql(token, op.CASES, { filter: f, first: PAGE, after });
      setState((s) => ({
        filter: applied,
        rows: [...(after && s.rows ? s.rows : []), ...cases.edges.map((e) => e.node)],
        totalCount: cases.totalCount,
        endCursor: cases.pageInfo.endCursor,
        hasNextPage: cases.pageInfo.hasNextPage,
      }));
    } catch (e) {
      setError(asNotice(e));
    } finally {
      setBusy(false);
    }
  };
  // The first page on arrival; coming back from a case keeps what was loaded.
  useEffect(() => {
    if (state.rows === null) void load(state.filter, null);
  }, []);

  const submit = (e) => {
    e.preventDefault();
    void load(filter, null);
  };
  const set = (key) => (value) => setFilter({ ...filter, [key]: value });
  return html`<section aria-labelledby="history-heading">
    <h2 id="history-heading">Case history</h2>
    <form class="history-filter" onSubmit=${submit} aria-label="Filter cases">
      <${Choice} id="h-status" label="Status" value=${filter.status} options=${STATUSES} onChange=${set('status')} />
      <${Choice} id="h-category" label="Category" value=${filter.category} options=${CATEGORIES} onChange=${set('category')} />
      <${Choice} id="h-queue" label="Queue" value=${filter.queue} options=${QUEUES} onChange=${set('queue')} />
      <button type="submit" disabled=${busy}>Show cases</button>
    </form>
    <${Notice} error=${error} />
    ${state.rows
      ? html`<p role="status" aria-live="polite"><span data-total>${state.totalCount} ${state.totalCount === 1 ? 'case' : 'cases'}</span>, newest first${state.rows.length < state.totalCount ? ` (${state.rows.length} shown)` : ''}</p>
          <table>
            <caption class="visually-hidden">Cases you may see</caption>
            <thead><tr><th scope="col">Case</th><th scope="col">Created</th><th scope="col">Category</th><th scope="col">Queue</th><th scope="col">Priority</th><th scope="col">Status</th><th scope="col">Reports</th><th scope="col"><span class="visually-hidden">Open</span></th></tr></thead>
            <tbody>
              ${state.rows.length
                ? state.rows.map(
                    (c) => html`<tr key=${c.id} data-history-case=${c.id}>
                      <td><code title=${c.id}>${shortId(c.id)}</code></td>
                      <td>${time(c.createdAt)}</td>
                      <td>${title(c.category)}</td>
                      <td>${title(c.queue)}</td>
                      <td>${c.priority}</td>
                      <td>${words(c.status)}${c.assignee ? ` (${c.assignee.name})` : ''}</td>
                      <td>${c.reportCount}</td>
                      <td><button type="button" class="secondary compact" onClick=${() => onOpen(c)} aria-label=${`Open case ${shortId(c.id)}`}>Open</button></td>
                    </tr>`,
                  )
                : html`<tr><td colspan="8">No case matches.</td></tr>`}
            </tbody>
          </table>
          ${state.hasNextPage
            ? html`<button type="button" disabled=${busy} onClick=${() => load(state.filter, state.endCursor)} aria-label="Load more cases">Load more</button>`
            : null}`
      : html`<p role="status">Loading cases…</p>`}
  </section>`;
}
