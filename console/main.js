// The reviewer console: sign in with a bearer token, live queues, claim and review a case, assess and decide.
// preact + htm as plain ES modules (no build step); every request goes to the public GraphQL API.
import { render } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, gql, liveConnection } from './api.js';
import { asNotice, html, Notice, useNow } from './ui.js';
import * as op from './operations.js';
import { choosesCases, dueIn, duration, mayChooseIn, mayReadContent, mayReadHistory, mayReadReporterIdentity, shortId, since, time, title, words, workableQueues } from './format.js';
import { CaseView } from './case.js';
import { CaseHistory, emptyHistory } from './history.js';

const TOKEN_KEY = 'console.token';

function SignIn({ onToken, error, focus = false }) {
  const [value, setValue] = useState('');
  const field = useRef(null);
  // After signing out, the keyboard is where the next token goes.
  useEffect(() => {
    if (focus) field.current?.focus();
  }, []);
  const submit = (e) => {
    e.preventDefault();
    const token = value.trim().replace(/^Bearer\s+/i, '');
    if (token) onToken(token);
  };
  return html`<main class="sign-in">
    <h1>Reviewer console</h1>
    <form onSubmit=${submit} aria-describedby="token-help">
      <label for="token">Bearer token</label>
      <textarea id="token" ref=${field} name="token" rows="4" autocomplete="off" spellcheck=${false} required value=${value} onInput=${(e) => setValue(e.currentTarget.value)}></textarea>
      <p id="token-help" class="hint">
        Paste a token (for development: <code>npm run -s token -- --role REVIEWER --sub you</code>). It is kept in this tab's
        session storage only and sent in the Authorization header, never in a URL.
      </p>
      <button type="submit">Sign in</button>
    </form>
    <${Notice} error=${error} />
  </main>`;
}

function Exposure({ me }) {
  const e = me.exposureToday;
  if (!e) return null;
  return html`<p class=${`exposure ${e.capReached ? 'cap-reached' : ''}`} title="Distinct exploitation and abuse-media cases you took since UTC midnight, against the daily cap">
    Exposure today: <strong>${e.casesToday}</strong> of ${e.cap} cases${e.capReached ? ' — cap reached' : ''}
  </p>`;
}

function LiveStatus({ status }) {
  const text = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', ended: 'Live updates ended: sign in again', failed: 'Live updates unavailable' }[status] ?? status;
  return html`<p class=${`live-status ${status}`} role="status" aria-live="polite">Queue updates: ${text}</p>`;
}

/** Queues whose every case counts against the daily exposure cap. */
const EXPOSING_QUEUES = ['CHILD_SEXUAL_EXPLOITATION', 'PHYSICAL_CHILD_ABUSE_MEDIA'];

function QueueCard({ queue, now, meId, onClaim, onChoose, onContinue, choose, busy, capReached }) {
  const rows = queue.cases;
  const nextDue = rows.filter((c) => !c.assignee).map((c) => c.slaDueAt).sort()[0];
  const label = title(queue.name);
  return html`<section class="queue" aria-labelledby=${`q-${queue.name}`} data-queue=${queue.name}>
    <h3 id=${`q-${queue.name}`}>${label}</h3>
    <dl class="figures">
      <div><dt>Open</dt><dd data-open-count>${queue.openCount}</dd></div>
      <div><dt>Oldest waiting</dt><dd>${queue.oldestOpenSince ? since(queue.oldestOpenSince, now) : '—'}</dd></div>
      <div><dt>Next SLA</dt><dd class=${nextDue && Date.parse(nextDue) < now ? 'overdue' : ''}>${nextDue ? dueIn(nextDue, now) : '—'}</dd></div>
    </dl>
    <button type="button" onClick=${() => onClaim(queue.name)} disabled=${busy} aria-label=${`Claim next case from ${label}`}>Claim next</button>
    ${capReached && EXPOSING_QUEUES.includes(queue.name) ? html`<p class="hint">You reached today’s exposure cap: exploitation and abuse-media cases are refused until UTC midnight.</p>` : null}
    ${rows.length
      ? html`<table>
          <caption class="visually-hidden">Cases waiting in ${label}</caption>
          <thead><tr><th scope="col">Case</th><th scope="col">Priority</th><th scope="col">Status</th><th scope="col">SLA due in</th><th scope="col">Reports</th></tr></thead>
          <tbody>
            ${rows.map(
              (c) => html`<tr key=${c.id} data-case=${c.id}>
                <td><code title=${c.id}>${shortId(c.id)}</code>${c.childAtImmediateRisk ? html` <span class="flag">immediate risk</span>` : null}</td>
                <td>${c.priority}</td>
                <td>${c.assignee ? `claimed by ${c.assignee.id === meId ? 'you' : c.assignee.name}` : words(c.status)}${c.assignee?.id === meId
                  ? html`<button type="button" class="compact" onClick=${() => onContinue(c.id)} aria-label=${`Continue case ${shortId(c.id)} from ${label}`}>Continue</button>`
                  : choose && !c.assignee
                  ? html`<button type="button" class="secondary compact" disabled=${busy} onClick=${() => onChoose(c)} aria-label=${`Claim case ${shortId(c.id)} from ${label}`}>Claim</button>`
                  : null}</td>
                <td class=${`sla ${Date.parse(c.slaDueAt) < now ? 'overdue' : ''}`}>${Date.parse(c.slaDueAt) < now ? `overdue ${duration(now - Date.parse(c.slaDueAt))}` : duration(Date.parse(c.slaDueAt) - now)}</td>
                <td>${c.reportCount}</td>
              </tr>`,
            )}
          </tbody>
        </table>`
      : html`<p class="empty">No cases waiting.</p>`}
  </section>`;
}

/** Leads and appeals reviewers claim a case they chose by its id (from a colleague, the case history, a report). */
function ClaimById({ busy, onClaim }) {
  const [id, setId] = useState('');
  const submit = (e) => {
    e.preventDefault();
    if (id.trim()) onClaim(id.trim());
  };
  return html`<form class="claim-by-id" onSubmit=${submit}>
    <label for="claim-id">Case id</label>
    <input id="claim-id" name="claim-id" autocomplete="off" spellcheck=${false} required value=${id} onInput=${(e) => setId(e.currentTarget.value)} />
    <button type="submit" disabled=${busy}>Claim case</button>
  </form>`;
}

/** The queues the user may work, loaded once and then kept current by queueUpdates; reloaded after a reconnect. */
function Queues({ token, me, live, onClaimed, onContinue }) {
  const names = useMemo(() => workableQueues(me.roles), [me.roles]);
  const [queues, setQueues] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const now = useNow();
  const reloads = useRef({});

  const load = useCallback(
    async (name) => {
      try {
        const { queue } = await gql(token, op.QUEUE, { name });
        setQueues((qs) => ({ ...qs, [name]: { name, openCount: queue.openCount, oldestOpenSince: queue.oldestOpenSince, cases: queue.cases.edges.map((e) => e.node) } }));
      } catch (e) {
        setError(asNotice(e));
      }
    },
    [token],
  );
  /** After a burst of events, one read brings the counts exact (events carry the case, not the queue's totals). */
  const reloadSoon = useCallback(
    (name) => {
      clearTimeout(reloads.current[name]);
      reloads.current[name] = setTimeout(() => load(name), 250);
    },
    [load],
  );

  // Loaded on arrival and again after every reconnect: what happened while the socket was down never arrives as events.
  useEffect(() => names.forEach(load), [names, load, live.reconnects]);

  useEffect(() => {
    const client = live.client;
    if (!client || !names.length) return undefined;
    const stops = names.map((name) =>
      client.subscribe(
        { query: op.QUEUE_UPDATES, variables: { queue: name } },
        {
          next: ({ data, errors }) => {
            if (errors?.length) return setError(asNotice(new ApiError(errors[0].message, errors[0].extensions?.code)));
            const event = data?.queueUpdates;
            if (!event) return;
            if (event.kind !== 'RESYNC' && event.case) {
              setQueues((qs) => {
                const q = qs[name];
                if (!q) return qs;
                const others = q.cases.filter((c) => c.id !== event.case.id);
                const waiting = event.kind !== 'RESOLVED' && ['OPEN', 'IN_REVIEW', 'APPEALED'].includes(event.case.status);
                const cases = waiting ? [...others, event.case].sort((a, b) => a.priority.localeCompare(b.priority) || a.slaDueAt.localeCompare(b.slaDueAt)) : others;
                return { ...qs, [name]: { ...q, cases } };
              });
            }
            reloadSoon(name);
          },
          error: (e) => setError(asNotice(e instanceof Error ? e : new ApiError(e?.reason || 'The live connection was refused', 'LIVE'))),
          complete: () => {},
        },
      ),
    );
    return () => {
      stops.forEach((stop) => stop());
      Object.values(reloads.current).forEach(clearTimeout);
    };
  }, [live.client, names, reloadSoon]);

  const claim = async (queue) => {
    setBusy(true);
    setError(null);
    try {
      const { claimNextCase: result } = await gql(token, op.CLAIM_NEXT, { queue });
      if (result.__typename === 'ClaimNextCaseSuccess') onClaimed(result.case.id);
      // One message in the page's words, rather than the title beside the server's text with the queue's enum.
      else if (result.__typename === 'NoCaseAvailableError') setError({ title: `No case is waiting for you in ${title(queue)}`, typename: result.__typename });
      else setError(asNotice(result));
    } catch (e) {
      setError(asNotice(e));
    } finally {
      setBusy(false);
    }
  };

  /** claimCase: the case the user chose, from a queue's row (at the version shown) or by its id. */
  const choose = async (id, expectedVersion) => {
    setBusy(true);
    setError(null);
    try {
      const { claimCase: result } = await gql(token, op.CLAIM_CASE, { id, expectedVersion });
      if (result.__typename === 'ClaimCaseSuccess') onClaimed(result.case.id);
      else setError(asNotice(result));
    } catch (e) {
      setError(asNotice(e));
    } finally {
      setBusy(false);
    }
  };

  if (!names.length) return html`<section><h2>Queues</h2><p>Your roles work no queue.</p></section>`;
  return html`<section class="queues-section" aria-labelledby="queues-heading">
    <div class="section-head"><h2 id="queues-heading">Your queues</h2><${LiveStatus} status=${live.status} /></div>
    ${choosesCases(me.roles) ? html`<${ClaimById} busy=${busy} onClaim=${(id) => choose(id)} />` : null}
    <${Notice} error=${error} />
    <div class="queues">
      ${names.map((n) => (queues[n] ? html`<${QueueCard} key=${n} queue=${queues[n]} now=${now} meId=${me.id} onClaim=${claim} onContinue=${onContinue} choose=${mayChooseIn(me.roles, n)} onChoose=${(c) => choose(c.id, c.version)} busy=${busy} capReached=${me.exposureToday?.capReached === true} />` : html`<p key=${n}>Loading ${title(n)}…</p>`))}
    </div>
  </section>`;
}

function LeadPanel({ token }) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const now = useNow();
  useEffect(() => {
    gql(token, op.LEAD_OVERVIEW).then(setData, (e) => setError(asNotice(e)));
  }, [token]);
  return html`<section aria-labelledby="lead-heading">
    <h2 id="lead-heading">Queue health and team exposure</h2>
    <${Notice} error=${error} />
    ${data
      ? html`<table>
            <caption>Queue health</caption>
            <thead><tr><th scope="col">Queue</th><th scope="col">Waiting</th><th scope="col">Claimed</th><th scope="col">Oldest waiting</th><th scope="col">Breaching SLA</th></tr></thead>
            <tbody>${data.queueHealth.map((q) => html`<tr key=${q.queue}><td>${title(q.queue)}</td><td>${q.open}</td><td>${q.claimed}</td><td>${q.oldestOpenSince ? since(q.oldestOpenSince, now) : '—'}</td><td>${q.breachingSla}</td></tr>`)}</tbody>
          </table>
          <table>
            <caption>Team exposure today</caption>
            <thead><tr><th scope="col">Reviewer</th><th scope="col">Cases today</th><th scope="col">Cap</th><th scope="col">Last claimed</th></tr></thead>
            <tbody>${data.teamExposure.length ? data.teamExposure.map((r) => html`<tr key=${r.reviewer.id}><td>${r.reviewer.name}</td><td>${r.exposure.casesToday}${r.exposure.capReached ? ' (cap reached)' : ''}</td><td>${r.exposure.cap}</td><td>${since(r.lastClaimedAt, now)}</td></tr>`) : html`<tr><td colspan="4">Nobody has taken such a case today.</td></tr>`}</tbody>
          </table>`
      : null}
  </section>`;
}

/** A button that opens a small form for one row's next step; the row list reloads when the step is done. */
function RowAction({ label, fields, run, onDone }) {
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  if (!open) return html`<button type="button" class="secondary" onClick=${() => setOpen(true)}>${label}</button>`;
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await run(values);
      if (result.__typename.endsWith('Success')) {
        setOpen(false);
        onDone();
      } else setError(asNotice(result));
    } catch (err) {
      setError(asNotice(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="row-action" onSubmit=${submit} aria-label=${label}>
    ${fields.map(
      (f) => html`<label key=${f.name}>${f.label}${f.required ? '' : ' (optional)'}
        <input name=${f.name} required=${!!f.required} value=${values[f.name] ?? ''} onInput=${(e) => setValues({ ...values, [f.name]: e.currentTarget.value })} />
      </label>`,
    )}
    <button type="submit" disabled=${busy}>${label}</button>
    <button type="button" class="secondary" onClick=${() => setOpen(false)}>Cancel</button>
    <${Notice} error=${error} />
  </form>`;
}

/** NCMEC records a report filed by hand can still complete; referrals in their PENDING → SENT → CLOSED steps. */
const MANUAL_SUBMISSION_STATES = ['AWAITING_SUBMISSION', 'FAILED', 'NEEDS_CORRECTION'];

function LiaisonPanel({ token, roles }) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const now = useNow();
  const load = useCallback(() => gql(token, op.LIAISON_OVERVIEW).then(setData, (e) => setError(asNotice(e))), [token]);
  useEffect(() => void load(), [load]);
  const liaison = roles.includes('LAW_ENFORCEMENT_LIAISON');
  const referralStep = (r) => {
    if (!liaison) return null;
    if (r.status === 'PENDING') {
      return html`<${RowAction} label="Mark referral sent" onDone=${load}
        fields=${[{ name: 'agency', label: 'Agency', required: true }, { name: 'reference', label: 'Agency reference', required: true }]}
        run=${async (v) => (await gql(token, op.MARK_REFERRAL_SENT, { input: { referralId: r.id, agency: v.agency, reference: v.reference } })).markReferralSent} />`;
    }
    if (r.status === 'SENT') {
      return html`<${RowAction} label="Close referral" onDone=${load} fields=${[{ name: 'note', label: 'How it ended' }]}
        run=${async (v) => (await gql(token, op.CLOSE_REFERRAL, { input: { referralId: r.id, ...(v.note ? { note: v.note } : {}) } })).closeReferral} />`;
    }
    return null;
  };
  return html`<section aria-labelledby="liaison-heading">
    <h2 id="liaison-heading">CyberTipline records and referrals</h2>
    <${Notice} error=${error} />
    ${data
      ? html`<table>
            <caption>CyberTipline records, newest first</caption>
            <thead><tr><th scope="col">Record</th><th scope="col">Case</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">NCMEC report</th><th scope="col">Next step</th></tr></thead>
            <tbody>${data.ncmecReports.edges.length
              ? data.ncmecReports.edges.map(({ node: r }) => html`<tr key=${r.id} data-record=${r.id}><td><code>${shortId(r.id)}</code></td><td><code>${r.case ? shortId(r.case.id) : '—'}</code></td><td>${words(r.status)}${r.ncmecResponseDescription ? ` — ${r.ncmecResponseDescription}` : ''}</td><td>${time(r.createdAt)}</td><td>${r.externalReportId ?? '—'}</td>
                  <td>${MANUAL_SUBMISSION_STATES.includes(r.status)
                    ? html`<${RowAction} label="Record manual submission" onDone=${load} fields=${[{ name: 'reportNumber', label: 'NCMEC report number', required: true }]}
                        run=${async (v) => (await gql(token, op.RECORD_MANUAL_SUBMISSION, { id: r.id, reportNumber: v.reportNumber })).recordManualCyberTipSubmission} />`
                    : null}</td></tr>`)
              : html`<tr><td colspan="6">No records.</td></tr>`}</tbody>
          </table>
          <table>
            <caption>Law-enforcement referrals, earliest due first</caption>
            <thead><tr><th scope="col">Referral</th><th scope="col">Case</th><th scope="col">Status</th><th scope="col">Due</th><th scope="col">Agency</th><th scope="col">Next step</th></tr></thead>
            <tbody>${data.lawEnforcementReferrals.edges.length
              ? data.lawEnforcementReferrals.edges.map(({ node: r }) => html`<tr key=${r.id} data-referral=${r.id}><td><code>${shortId(r.id)}</code></td><td><code>${shortId(r.case.id)}</code></td><td>${words(r.status)}${r.overdue ? ' (overdue)' : ''}</td><td>${r.status === 'PENDING' ? dueIn(r.dueAt, now) : '—'}</td><td>${r.agency ?? '—'}${r.reference ? ` (${r.reference})` : ''}</td><td>${referralStep(r)}</td></tr>`)
              : html`<tr><td colspan="6">No referrals.</td></tr>`}</tbody>
          </table>`
      : null}
  </section>`;
}

/**
 * One graphql-ws connection for the signed-in session, shared by the queues and the case view. `reconnects` counts
 * the connections made after a dropped one, so views can catch up on what they missed.
 */
function useLive(token) {
  const [client, setClient] = useState(null);
  const [state, setState] = useState({ status: 'connecting', reconnects: 0 });
  useEffect(() => {
    if (!token) return undefined;
    const c = liveConnection(token, {
      onStatus: (status, detail) => setState((s) => ({ status, reconnects: s.reconnects + (status === 'live' && detail === true ? 1 : 0) })),
    });
    setClient(c);
    return () => {
      c.dispose();
      setClient(null);
      setState({ status: 'connecting', reconnects: 0 });
    };
  }, [token]);
  return { client, ...state };
}

function App() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY));
  const [me, setMe] = useState(null);
  const [error, setError] = useState(null);
  const [caseId, setCaseId] = useState(null);
  /** 'queues' or 'history': the screen shown when no case is open. */
  const [screen, setScreen] = useState('queues');
  /** A case opened from the history, read-only: its id and whether the user's roles may read its content. */
  const [reading, setReading] = useState(null);
  const [history, setHistory] = useState(emptyHistory);
  /** Whether the user signed out in this tab (the sign-in form then takes the focus). */
  const [signedOut, setSignedOut] = useState(false);
  const live = useLive(token);

  const refreshMe = useCallback(async () => {
    if (!token) return;
    try {
      const data = await gql(token, op.ME);
      if (!data.me) throw new ApiError('The token was not accepted.', 'UNAUTHENTICATED');
      setMe(data.me);
    } catch (e) {
      setError(asNotice(e));
      if (e instanceof ApiError && e.code === 'UNAUTHENTICATED') signOut(false);
    }
  }, [token]);
  useEffect(() => void refreshMe(), [refreshMe]);

  const signIn = (t) => {
    setError(null);
    sessionStorage.setItem(TOKEN_KEY, t);
    setToken(t);
  };
  function signOut(clearError = true) {
    sessionStorage.removeItem(TOKEN_KEY);
    setToken(null);
    setMe(null);
    setCaseId(null);
    setReading(null);
    setScreen('queues');
    setHistory(emptyHistory());
    if (clearError) setError(null);
    setSignedOut(true);
  }

  if (!token) return html`<${SignIn} onToken=${signIn} error=${error} focus=${signedOut} />`;
  if (!me) return html`<main><p role="status">Signing in…</p><${Notice} error=${error} /></main>`;
  const roles = me.roles;
  const isLead = roles.includes('LEAD') || roles.includes('ADMIN');
  const isLiaison = roles.includes('LAW_ENFORCEMENT_LIAISON') || isLead;
  return html`<div class="layout">
    <header>
      <p class="brand">Reviewer console</p>
      <p class="who">Signed in as <strong>${me.name}</strong> <span class="roles">(${roles.map(words).join(', ')})</span></p>
      ${mayReadHistory(roles)
        ? html`<nav aria-label="Screens" class="screens">
            <button type="button" class="secondary" aria-current=${!caseId && !reading && screen === 'queues' ? 'page' : null} onClick=${() => { setCaseId(null); setReading(null); setScreen('queues'); }}>Queues</button>
            <button type="button" class="secondary" aria-current=${!caseId && !reading && screen === 'history' ? 'page' : null} onClick=${() => { setCaseId(null); setReading(null); setScreen('history'); }}>Case history</button>
          </nav>`
        : null}
      <${Exposure} me=${me} />
      <button type="button" onClick=${() => signOut()}>Sign out</button>
    </header>
    <main>
      ${caseId
        ? html`<${CaseView} token=${token} live=${live} caseId=${caseId} reporterIdentity=${mayReadReporterIdentity(roles)} onClose=${() => { setCaseId(null); refreshMe(); }} onOpen=${setCaseId} />`
        : reading
        ? html`<${CaseView} key=${reading.id} token=${token} live=${live} caseId=${reading.id} readOnly=${true} content=${reading.content} reporterIdentity=${mayReadReporterIdentity(roles)} backLabel="Back to case history" onClose=${() => setReading(null)}
            onClaimed=${choosesCases(roles) ? (id) => { setReading(null); setCaseId(id); refreshMe(); } : null} />`
        : screen === 'history'
        ? html`<${CaseHistory} token=${token} state=${history} setState=${setHistory} onOpen=${(c) => (c.assignee?.id === me.id ? setCaseId(c.id) : setReading({ id: c.id, content: mayReadContent(roles, c.category) }))} />`
        : html`<${Queues} token=${token} me=${me} live=${live} onClaimed=${(id) => { setCaseId(id); refreshMe(); }} onContinue=${setCaseId} />
            ${isLead ? html`<${LeadPanel} token=${token} />` : null}
            ${isLiaison ? html`<${LiaisonPanel} token=${token} roles=${roles} />` : null}`}
    </main>
  </div>`;
}

render(html`<${App} />`, document.getElementById('app'));
