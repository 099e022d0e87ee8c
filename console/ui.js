// What every view shares: htm bound to preact, a ticking clock, error notices.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { ApiError } from './api.js';
import { errorTitle, words } from './format.js';

export const html = htm.bind(h);


/** Re-renders every second for timers; the clock is local, nothing is fetched. */
export function useNow() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  return now;
}

export function Notice({ error, children }) {
  if (!error) return null;
  return html`<div class="notice error" role="alert">
    <strong>${error.title ?? 'Something went wrong'}</strong>
    ${error.message ? html`<p>${error.message}</p>` : null}
    ${error.qualification ? html`<p data-qualification>Needs the ${words(error.qualification)} role.</p>` : null}
    ${error.fields?.length ? html`<ul>${error.fields.map((f) => html`<li><code>${f.path}</code>: ${f.message}</li>`)}</ul>` : null}
    ${children}
  </div>`;
}

/** An error thrown by gql() or a typed error from a mutation's result union, as a notice. */
export function asNotice(error) {
  if (error instanceof ApiError) {
    const titles = { UNAUTHENTICATED: 'Your sign-in is no longer valid', FORBIDDEN: 'You may not do this', NETWORK: 'Connection problem' };
    return { title: titles[error.code] ?? 'The request failed', message: error.message, code: error.code };
  }
  if (error && error.__typename) return { title: errorTitle(error.__typename), message: error.message, code: error.code, fields: error.fields, typename: error.__typename, currentVersion: error.currentVersion, qualification: error.qualification };
  return { title: error?.title ?? 'Something went wrong', message: String(error?.message ?? error) };
}

