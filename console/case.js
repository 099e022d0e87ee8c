// One claimed case: what was reported, the content behind a click-to-reveal, hash matches, the audit trail, the lease,
// and the assess → decide steps (or an appeal decision).
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { gql } from './api.js';
import * as op from './operations.js';
import { asNotice, html, Notice, useNow } from './ui.js';
import { dueIn, duration, shortId, time, title, words } from './format.js';
import { AssessAndDecide, DecisionSummary } from './decide.js';

const VIDEO = /\.(mp4|webm|ogv|mov|m4v)(\?|#|$)/i;

/** The origins the server's CSP lets revealed content load from (CONSOLE_MEDIA_ORIGINS), as the page names them. */
const MEDIA_ORIGINS = (document.querySelector('meta[name="console-media-origins"]')?.getAttribute('content') ?? '').split(/\s+/).filter(Boolean);
const originOf = (url) => {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
};

/**
 * The content stays hidden until the reviewer asks for it: nothing is fetched before. Revealed, it is shown as the
 * presentation hints say (blurred, greyscale, muted for exploitation and abuse media), each of which the reviewer may
 * lift for this viewing only.
 */
function Content({ content }) {
  const hints = content.presentation;
  const [revealed, setRevealed] = useState(false);
  const [blur, setBlur] = useState(hints.blur);
  const [grey, setGrey] = useState(hints.greyscale);
  const url = content.url && /^https?:\/\//i.test(content.url) ? content.url : null;
  // Content elsewhere would be blocked by the page's CSP: say so rather than fetch it.
  const allowed = !!url && MEDIA_ORIGINS.includes(originOf(url));
  const classes = ['media', blur ? 'blurred' : '', grey ? 'greyscale' : ''].join(' ');
  return html`<section aria-labelledby="content-heading">
    <h3 id="content-heading">Content</h3>
    <p>Content id <code>${content.contentId}</code></p>
    ${hints.warning ? html`<p class="warning">${hints.warning}</p>` : null}
    <p class="hint">Shown ${[hints.blur && 'blurred', hints.greyscale && 'in greyscale', hints.muteAudio && 'muted'].filter(Boolean).join(', ') || 'as is'} by default.</p>
    ${!revealed
      ? html`<button type="button" onClick=${() => setRevealed(true)} disabled=${!allowed}>${!url ? 'No content URL to reveal' : allowed ? 'Reveal content' : 'Content host not allowed'}</button>
          ${url && !allowed
            ? html`<p class="media-host hint">${new URL(url).host} is not among the console’s media hosts (CONSOLE_MEDIA_ORIGINS), so the content is not shown here.</p>`
            : null}`
      : html`<div class="viewer">
          <div class="toolbar" role="group" aria-label="Presentation">
            <button type="button" aria-pressed=${blur} onClick=${() => setBlur(!blur)}>${blur ? 'Remove blur' : 'Blur'}</button>
            <button type="button" aria-pressed=${grey} onClick=${() => setGrey(!grey)}>${grey ? 'Show colour' : 'Greyscale'}</button>
            <button type="button" onClick=${() => { setRevealed(false); setBlur(hints.blur); setGrey(hints.greyscale); }}>Hide content</button>
          </div>
          ${VIDEO.test(url)
            ? html`<video class=${classes} src=${url} controls muted=${hints.muteAudio} preload="metadata" referrerpolicy="no-referrer" aria-label="Reported content"></video>`
            : html`<img class=${classes} src=${url} alt="Reported content" referrerpolicy="no-referrer" />`}
          <p class="url">Source: <code>${url}</code></p>
        </div>`}
    ${content.mediaHashes.length
      ? html`<h4>Media hashes</h4><ul class="hashes">${content.mediaHashes.map((m) => html`<li key=${m.algorithm + m.value}>${m.algorithm} <code>${m.value}</code></li>`)}</ul>`
      : null}
  </section>`;
}

function Lease({ token, kase, onChanged, onReleased }) {
  const now = useNow();
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const act = async (query, field, done) => {
    setBusy(true);
    setError(null);
    try {
      const result = (await gql(token, query, { caseId: kase.id }))[field];
      if (result.__typename.endsWith('Success')) done(result);
      else setError(asNotice(result));
    } catch (e) {
      setError(asNotice(e));
    } finally {
      setBusy(false);
    }
  };
  const left = kase.leaseExpiresAt ? Date.parse(kase.leaseExpiresAt) - now : null;
  return html`<div class="lease">
    <p role="timer" aria-live="off" class=${left !== null && left < 120_000 ? 'overdue' : ''}>
      ${left === null ? 'No lease held' : left > 0 ? `Lease: ${duration(left)} left` : 'Lease expired: the case has returned to its queue'}
    </p>
    <button type="button" disabled=${busy} onClick=${() => act(op.RENEW, 'renewLease', (r) => onChanged({ leaseExpiresAt: r.leaseExpiresAt, version: r.case.version }))}>Renew lease</button>
    <button type="button" disabled=${busy} onClick=${() => act(op.RELEASE, 'releaseCase', onReleased)}>Release case</button>
    <${Notice} error=${error} />
  </div>`;
}

function Reports({ reports }) {
  return html`<section aria-labelledby="reports-heading">
    <h3 id="reports-heading">Reports (${reports.totalCount})</h3>
    <ol class="reports">
      ${reports.edges.map(
        ({ node: r }) => html`<li key=${r.id}>
          <p class="meta">${time(r.createdAt)} · ${title(r.category)} · reporter: ${words(r.reporterRelation)}${r.childAtImmediateRisk ? html` · <span class="flag">reported child at immediate risk</span>` : null}</p>
          <p>${r.description ?? html`<em>No description</em>`}</p>
          ${'contactEmail' in r || 'reporterAccountId' in r
            ? html`<p class="meta">Reporter account: ${r.reporterAccountId ?? '—'} · contact: ${r.contactEmail ?? '—'}</p>`
            : null}
        </li>`,
      )}
    </ol>
  </section>`;
}

function HashMatches({ matches }) {
  return html`<section aria-labelledby="matches-heading">
    <h3 id="matches-heading">Hash matches</h3>
    ${matches.length
      ? html`<table>
          <thead><tr><th scope="col">Bank</th><th scope="col">Algorithm</th><th scope="col">Distance</th><th scope="col">Presets</th><th scope="col">Hash</th></tr></thead>
          <tbody>${matches.map((m, i) => html`<tr key=${i}><td>${m.bank}</td><td>${m.algorithm}</td><td>${m.distance}</td><td>${title(m.category)}</td><td><code>${m.value}</code></td></tr>`)}</tbody>
        </table>`
      : html`<p>No bank matched this case’s hashes.</p>`}
  </section>`;
}

function Outcomes({ kase }) {
  const items = [
    kase.escalation && `Escalated to a lead (${words(kase.escalation.reason)}) at ${time(kase.escalation.escalatedAt)}${kase.escalation.escalatedBy ? ` by ${kase.escalation.escalatedBy.name}` : ''}`,
    kase.ncmecReport && `CyberTipline record: ${words(kase.ncmecReport.status)}${kase.ncmecReport.externalReportId ? ` (NCMEC report ${kase.ncmecReport.externalReportId})` : ''}`,
    kase.lawEnforcementReferral && `Law-enforcement referral: ${words(kase.lawEnforcementReferral.status)}${kase.lawEnforcementReferral.overdue ? ' (overdue)' : ''}, due ${time(kase.lawEnforcementReferral.dueAt)}`,
    kase.knownHashMatch && 'A media hash matched a bank of known material',
    kase.reportedAccountStrikes.length && `${kase.reportedAccountStrikes.filter((s) => s.active).length} active strike(s) on the reported account from other cases`,
  ].filter(Boolean);
  return items.length ? html`<ul class="outcomes" aria-label="Case state">${items.map((t) => html`<li>${t}</li>`)}</ul>` : null;
}

function AuditTrail({ events }) {
  return html`<details class="audit">
    <summary>Audit trail (${events.length} events)</summary>
    <ol>${events.map((e) => html`<li key=${e.seq}><code>#${e.seq}</code> ${time(e.at)} · ${e.action} · ${e.actor?.name ?? 'system'}</li>`)}</ol>
  </details>`;
}

function Appeals({ appeals }) {
  if (!appeals.length) return null;
  return html`<section aria-labelledby="appeals-heading">
    <h3 id="appeals-heading">Appeals</h3>
    <ul>${appeals.map((a) => html`<li key=${a.id}>${time(a.createdAt)} · ${words(a.appellantKind)} · ${words(a.status)}${a.outcome ? ` (${words(a.outcome)}${a.decidedBy ? ` by ${a.decidedBy.name}` : ''})` : ''}: ${a.statement}</li>`)}</ul>
  </section>`;
}

function AppealDecision({ token, kase, onDone }) {
  const pending = kase.appeals.filter((a) => a.status === 'PENDING');
  const [outcome, setOutcome] = useState('UPHELD');
  const [reason, setReason] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  if (!pending.length) return null;
  const appeal = pending[0];
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { decideAppeal: r } = await gql(token, op.DECIDE_APPEAL, { input: { appealId: appeal.id, outcome, reason } });
      if (r.__typename === 'DecideAppealSuccess') onDone();
      else setError(asNotice(r));
    } catch (err) {
      setError(asNotice(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<section aria-labelledby="appeal-heading">
    <h3 id="appeal-heading">Decide the appeal</h3>
    <p>${words(appeal.appellantKind)} appeal of ${time(appeal.createdAt)}: ${appeal.statement}</p>
    <form onSubmit=${submit}>
      <fieldset>
        <legend>Outcome</legend>
        <label><input type="radio" name="appeal-outcome" value="UPHELD" checked=${outcome === 'UPHELD'} onChange=${() => setOutcome('UPHELD')} /> Upheld: the decision stands</label>
        <label><input type="radio" name="appeal-outcome" value="OVERTURNED" checked=${outcome === 'OVERTURNED'} onChange=${() => setOutcome('OVERTURNED')} /> Overturned: the appeal succeeds</label>
      </fieldset>
      <label for="appeal-reason">Reason</label>
      <textarea id="appeal-reason" required rows="3" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)}></textarea>
      <button type="submit" disabled=${busy}>Decide appeal</button>
    </form>
    <${Notice} error=${error} />
  </section>`;
}

/**
 * Follows the case over `caseUpdated`: when someone else's change (a new report, an expired lease) moves it past the
 * version on screen, says so and offers a reload, rather than replacing what the reviewer is reading.
 */
function useNewerVersion(live, caseId) {
  const [latest, setLatest] = useState({ version: 0, kind: null });
  useEffect(() => {
    if (!live.client) return undefined;
    return live.client.subscribe(
      { query: op.CASE_UPDATES, variables: { id: caseId } },
      {
        next: ({ data }) => {
          const event = data?.caseUpdated;
          if (event?.case) setLatest((l) => (event.case.version > l.version ? { version: event.case.version, kind: event.kind } : l));
        },
        error: () => {},
        complete: () => {},
      },
    );
  }, [live.client, caseId]);
  return latest;
}

/**
 * A case: claimed (lease, assess, decide) or, from the case history, read-only (nothing to act on). `content` says
 * whether the user's roles may read its content, reports, hash matches and assessments; the console asks for them only then.
 */
/** A case read from the history, claimed by a user who may choose it (claimCase), at the version on screen. */
function ClaimThis({ token, kase, onClaimed }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const claim = async () => {
    setBusy(true);
    setError(null);
    try {
      const { claimCase: result } = await gql(token, op.CLAIM_CASE, { id: kase.id, expectedVersion: kase.version });
      if (result.__typename === 'ClaimCaseSuccess') onClaimed(kase.id);
      else setError(asNotice(result));
    } catch (e) {
      setError(asNotice(e));
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="claim-this">
    <button type="button" disabled=${busy} onClick=${claim}>Claim this case</button>
    <${Notice} error=${error} />
  </div>`;
}

export function CaseView({ token, live, caseId, reporterIdentity, onClose, readOnly = false, content = true, backLabel = 'Back to queues', onClaimed = null }) {
  const [kase, setKase] = useState(null);
  const [error, setError] = useState(null);
  const latest = useNewerVersion(live, caseId);
  const heading = useRef(null);
  const load = useCallback(async () => {
    try {
      const { case: c } = await gql(token, op.CASE, { id: caseId, reporterIdentity: reporterIdentity && content, content });
      if (!c) throw Object.assign(new Error('The case does not exist or is not yours to see.'), { title: 'Case not available' });
      setKase(c);
      setError(null);
    } catch (e) {
      setError(asNotice(e));
    }
  }, [token, caseId, reporterIdentity, content]);
  useEffect(() => void load(), [load]);
  // After a dropped socket, read the case again: its events in between were not delivered.
  const reconnects = useRef(live.reconnects);
  useEffect(() => {
    if (live.reconnects !== reconnects.current) load();
    reconnects.current = live.reconnects;
  }, [live.reconnects, load]);
  useEffect(() => {
    if (kase) heading.current?.focus();
  }, [kase?.id]);

  if (!kase) return html`<section><p role="status">Loading case…</p><${Notice} error=${error} /><button type="button" onClick=${onClose}>${backLabel}</button></section>`;
  const held = !readOnly && kase.status === 'IN_REVIEW' || (kase.status === 'APPEALED' && kase.leaseExpiresAt);
  return html`<article class="case" aria-labelledby="case-heading" data-case-id=${kase.id}>
    <div class="case-head">
      <h2 id="case-heading" tabindex="-1" ref=${heading}>Case <code>${shortId(kase.id)}</code>: ${title(kase.category)}</h2>
      <button type="button" onClick=${onClose}>${backLabel}</button>
    </div>
    ${readOnly
      ? html`<p class="read-only hint">Read only: this case is not claimed by you${content ? '' : '; its content, reports, hash matches and assessments are not shown to your roles'}.</p>
          ${onClaimed && !kase.assignee && (kase.status === 'OPEN' || kase.status === 'APPEALED') ? html`<${ClaimThis} token=${token} kase=${kase} onClaimed=${onClaimed} />` : null}`
      : null}
    <p class="meta">${kase.priority} · ${words(kase.status)} · ${kase.reportCount} report(s) from ${kase.distinctReporterCount} reporter(s) · SLA ${dueIn(kase.slaDueAt, Date.now())}</p>
    ${held ? html`<${Lease} token=${token} kase=${kase} onChanged=${(patch) => setKase({ ...kase, ...patch })} onReleased=${onClose} />` : null}
    <${Notice} error=${error} />
    ${latest.version > kase.version
      ? html`<div class="notice changed" role="status">
          <strong>This case changed since you loaded it</strong> (${words(latest.kind)}, now version ${latest.version}).
          <button type="button" class="secondary" onClick=${load}>Reload the case</button>
        </div>`
      : null}
    <${Outcomes} kase=${kase} />
    <div class="columns">
      <div>
        ${content
          ? html`<${Content} content=${kase.content} />
              <${HashMatches} matches=${kase.hashMatches} />
              <${Reports} reports=${kase.reports} />`
          : null}
        <${Appeals} appeals=${kase.appeals} />
        <${AuditTrail} events=${kase.auditTrail} />
      </div>
      <div>
        ${readOnly
          ? kase.decision
            ? html`<${DecisionSummary} decision=${kase.decision} />`
            : html`<p class="hint">Not decided yet.</p>`
          : kase.status === 'APPEALED'
          ? html`<${AppealDecision} token=${token} kase=${kase} onDone=${load} />`
          : html`<${AssessAndDecide} token=${token} kase=${kase} reload=${load} />`}
      </div>
    </div>
  </article>`;
}
