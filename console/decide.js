// Assess and decide. The form is generated from the `policy` query: the category's own factors (required ones
// marked), the age question where the category needs one, and the immediate-risk and reporter-relation questions when
// a report raised them. The policy's recommendation is previewed as the answers change (the `recommendation` query
// changes nothing); deciding previews the statement of reasons and asks for a justification when it deviates.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { gql } from './api.js';
import * as op from './operations.js';
import { asNotice, html, Notice } from './ui.js';
import { ACTIONS, AGES, readableTimes, title, words } from './format.js';

const FACTOR_LABELS = {
  mediaKind: 'Kind of media',
  promotesExploitation: 'Promotes exploitation',
  nudity: 'Nudity',
  severity: 'Severity of harm',
  context: 'Context of sharing',
  excessivelyGraphic: 'Excessively graphic',
};
const valueLabel = (v) => (v === 'true' ? 'Yes' : v === 'false' ? 'No' : title(v));
const parseValue = (v) => (v === 'true' ? true : v === 'false' ? false : v);

let policy;
const loadPolicy = (token) => (policy ??= gql(token, op.POLICY).then((d) => d.policy, (e) => { policy = undefined; throw e; }));

function Recommendation({ rec }) {
  if (!rec) return null;
  return html`<div class="recommendation" aria-labelledby="rec-heading">
    <h4 id="rec-heading">Recommendation (policy ${rec.policyVersion})</h4>
    <p>${rec.inScope ? html`Actions: <strong data-recommended>${rec.actions.map(words).join(', ')}</strong>` : 'Out of scope of this policy: no action under it.'}</p>
    <ul class="flags">
      ${rec.escalate ? html`<li class="flag">Escalate to a lead</li>` : null}
      ${rec.ncmecReportRequired ? html`<li class="flag">CyberTipline report required</li>` : null}
      ${rec.lawEnforcementReferralRequired ? html`<li class="flag">Law-enforcement referral required</li>` : null}
      ${rec.preserveEvidenceDays ? html`<li>Preserve evidence for ${rec.preserveEvidenceDays} days</li>` : null}
    </ul>
    ${rec.rationale.map((c) => html`<figure key=${c.clause} class="clause"><blockquote>${c.quote}</blockquote><figcaption>Policy ${c.clause}: ${c.title}</figcaption></figure>`)}
    ${rec.ladder.length ? html`<p class="hint">Enforcement ladder (platform practice): ${rec.ladder.map((s) => `${s.step} ${s.title}`).join('; ')}</p>` : null}
  </div>`;
}

function AssessmentForm({ token, kase, reload }) {
  const [pol, setPol] = useState(null);
  const [error, setError] = useState(null);
  const flagged = kase.childAtImmediateRisk || kase.reports.edges.some((e) => e.node.childAtImmediateRisk);
  const relationClaimed = kase.reports.edges.some((e) => e.node.reporterRelation !== 'OTHER');
  const [answers, setAnswers] = useState({ category: kase.category });
  const [rec, setRec] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => void loadPolicy(token).then(setPol, (e) => setError(asNotice(e))), [token]);
  const form = pol?.categories.find((c) => c.category === answers.category);
  const set = (name, value) => setAnswers((a) => ({ ...a, [name]: value === '' ? undefined : value }));

  const input = useMemo(() => {
    if (!form) return null;
    const i = { caseId: kase.id, category: answers.category };
    if (answers.ageAssessment) i.ageAssessment = answers.ageAssessment;
    for (const f of form.factors) if (answers[f.name] !== undefined) i[f.name] = parseValue(answers[f.name]);
    if (answers.childAtImmediateRisk !== undefined) i.childAtImmediateRisk = answers.childAtImmediateRisk === 'true';
    if (answers.childAtImmediateRisk === 'false' && answers.immediateRiskClearedReason) i.immediateRiskClearedReason = answers.immediateRiskClearedReason;
    if (relationClaimed) i.reporterRelationConfirmed = answers.reporterRelationConfirmed === true;
    if (answers.notes) i.notes = answers.notes;
    return i;
  }, [form, answers, kase.id, relationClaimed]);
  const missing = form ? [...(form.ageRequired && !answers.ageAssessment ? ['age'] : []), ...form.factors.filter((f) => f.required && answers[f.name] === undefined).map((f) => f.name), ...(flagged && answers.childAtImmediateRisk === undefined ? ['immediate risk'] : [])] : [];

  // The preview follows the answers; a stale answer never overwrites a newer one.
  useEffect(() => {
    if (!input || missing.length) return setRec(null);
    let current = true;
    const t = setTimeout(() => {
      gql(token, op.RECOMMEND, { input }).then(
        (d) => current && setRec(d.recommendation),
        () => current && setRec(null),
      );
    }, 200);
    return () => {
      current = false;
      clearTimeout(t);
    };
  }, [JSON.stringify(input), missing.length]);

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { submitAssessment: r } = await gql(token, op.SUBMIT_ASSESSMENT, { input });
      if (r.__typename === 'SubmitAssessmentSuccess') await reload();
      else setError(asNotice(r));
    } catch (err) {
      setError(asNotice(err));
    } finally {
      setBusy(false);
    }
  };
  if (!pol) return html`<section><p role="status">Loading the policy…</p><${Notice} error=${error} /></section>`;
  return html`<section aria-labelledby="assess-heading">
    <h3 id="assess-heading">Assess (policy ${pol.version})</h3>
    <form onSubmit=${submit} class="assess">
      <label for="f-category">Category</label>
      <select id="f-category" value=${answers.category} onChange=${(e) => setAnswers({ ...answers, category: e.currentTarget.value })}>
        ${pol.categories.map((c) => html`<option value=${c.category}>${title(c.category)}</option>`)}
      </select>
      <label for="f-age">Age of the person depicted${form.ageRequired ? ' (required)' : ' (for depictions)'}</label>
      <select id="f-age" required=${form.ageRequired} value=${answers.ageAssessment ?? ''} onChange=${(e) => set('ageAssessment', e.currentTarget.value)}>
        <option value="">${form.ageRequired ? 'Choose…' : 'Not a depiction'}</option>
        ${AGES.map((a) => html`<option value=${a}>${title(a)}</option>`)}
      </select>
      ${form.factors.map(
        (f) => html`<label for=${`f-${f.name}`} key=${`l-${f.name}`}>${FACTOR_LABELS[f.name] ?? title(f.name)}${f.required ? ' (required)' : ''}</label>
          <select id=${`f-${f.name}`} key=${`s-${f.name}`} required=${f.required} value=${answers[f.name] ?? ''} onChange=${(e) => set(f.name, e.currentTarget.value)}>
            <option value="">${f.required ? 'Choose…' : 'Not assessed'}</option>
            ${f.values.map((v) => html`<option value=${v}>${valueLabel(v)}</option>`)}
          </select>`,
      )}
      ${flagged
        ? html`<fieldset>
            <legend>A report says a child is at immediate risk (required)</legend>
            <label><input type="radio" name="risk" required checked=${answers.childAtImmediateRisk === 'true'} onChange=${() => set('childAtImmediateRisk', 'true')} /> Confirm: a child is at immediate risk</label>
            <label><input type="radio" name="risk" checked=${answers.childAtImmediateRisk === 'false'} onChange=${() => set('childAtImmediateRisk', 'false')} /> Clear the flag</label>
            ${answers.childAtImmediateRisk === 'false'
              ? html`<label for="f-cleared">Why the flag is cleared</label><textarea id="f-cleared" required rows="2" value=${answers.immediateRiskClearedReason ?? ''} onInput=${(e) => set('immediateRiskClearedReason', e.currentTarget.value)}></textarea>`
              : null}
          </fieldset>`
        : html`<label class="check"><input type="checkbox" checked=${answers.childAtImmediateRisk === 'true'} onChange=${(e) => set('childAtImmediateRisk', e.currentTarget.checked ? 'true' : '')} /> I find a child at immediate risk</label>`}
      ${relationClaimed
        ? html`<label class="check"><input type="checkbox" checked=${answers.reporterRelationConfirmed === true} onChange=${(e) => set('reporterRelationConfirmed', e.currentTarget.checked)} /> I confirmed the reporter is the depicted minor or their representative</label>`
        : null}
      <label for="f-notes">Notes (optional)</label>
      <textarea id="f-notes" rows="2" value=${answers.notes ?? ''} onInput=${(e) => set('notes', e.currentTarget.value)}></textarea>
      ${missing.length ? html`<p class="hint" id="missing">Still to answer: ${missing.map((m) => FACTOR_LABELS[m] ?? m).join(', ')}.</p>` : null}
      <${Recommendation} rec=${rec} />
      <button type="submit" disabled=${busy || missing.length > 0}>Submit assessment</button>
    </form>
    <${Notice} error=${error} />
  </section>`;
}

/** What the statement of reasons will say, from the recommendation and the chosen actions; the service writes the final one. */
function StatementPreview({ kase, rec, actions, justification }) {
  const deviates = !sameActions(actions, rec.actions);
  return html`<section class="statement" aria-labelledby="sor-heading">
    <h4 id="sor-heading">Statement of reasons (preview)</h4>
    <dl>
      <dt>Decision</dt><dd>${actions.length ? actions.map(words).join(', ') : 'Choose at least one action'}</dd>
      <dt>Facts</dt><dd>${kase.reportCount} notice(s) about content ${kase.content.contentId}; your assessment under ${title(kase.category)}${deviates ? '; the decision departs from the recommendation' : ''}.</dd>
      <dt>Automated means</dt><dd>${kase.knownHashMatch ? 'A media hash matched a bank of known material.' : 'None named on this case.'}</dd>
      <dt>Ground</dt><dd>${rec.rationale.map((c) => html`<q key=${c.clause}>${c.quote}</q> (${c.clause}) `)}${deviates && justification ? html`<p>Reasons: ${justification}</p>` : null}</dd>
      <dt>Redress</dt><dd>The affected account and the notifiers may appeal the decision.</dd>
    </dl>
    <p class="hint">The service composes the final statement when you decide.</p>
  </section>`;
}

const sameActions = (a, b) => a.length === b.length && a.every((x) => b.includes(x));

function DecideForm({ token, kase, assessment, reload }) {
  const rec = assessment.recommendation;
  const [actions, setActions] = useState(rec.inScope ? rec.actions : ['NO_ACTION']);
  const [justification, setJustification] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const deviates = !sameActions(actions, rec.actions);
  const toggle = (a, on) => setActions((xs) => (on ? [...xs.filter((x) => x !== a), a] : xs.filter((x) => x !== a)));
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const input = { caseId: kase.id, expectedVersion: kase.version, actions, ...(deviates ? { justification } : {}) };
      const { decideCase: r } = await gql(token, op.DECIDE, { input });
      if (r.__typename === 'DecideCaseSuccess') await reload();
      else setError(asNotice(r));
    } catch (err) {
      setError(asNotice(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<section aria-labelledby="decide-heading">
    <h3 id="decide-heading">Decide</h3>
    <${Recommendation} rec=${rec} />
    <form onSubmit=${submit}>
      <fieldset>
        <legend>Actions</legend>
        ${ACTIONS.map((a) => html`<label class="check" key=${a}><input type="checkbox" name="action" value=${a} checked=${actions.includes(a)} onChange=${(e) => toggle(a, e.currentTarget.checked)} /> ${title(a)}${rec.actions.includes(a) ? ' (recommended)' : ''}</label>`)}
      </fieldset>
      ${deviates
        ? html`<label for="f-justification">Justification for departing from the recommendation (required)</label>
            <textarea id="f-justification" required rows="3" value=${justification} onInput=${(e) => setJustification(e.currentTarget.value)}></textarea>`
        : null}
      <${StatementPreview} kase=${kase} rec=${rec} actions=${actions} justification=${justification} />
      <button type="submit" disabled=${busy || !actions.length || (deviates && !justification.trim())}>Decide</button>
    </form>
    <${Notice} error=${error}>
      ${error?.typename === 'VersionConflictError' ? html`<button type="button" onClick=${reload}>Reload the case (now version ${error.currentVersion})</button>` : null}
    <//>
  </section>`;
}

export function DecisionSummary({ decision }) {
  const s = decision.statementOfReasons;
  return html`<section aria-labelledby="decision-heading">
    <h3 id="decision-heading">Decided: ${decision.actions.map(words).join(', ')}</h3>
    <p class="meta">By ${decision.decidedBy.name}${decision.deviatesFromRecommendation ? ', departing from the recommendation' : ''}${decision.reversedAt ? '; reversed on appeal' : ''}.</p>
    <dl class="statement">
      <dt>Decision</dt><dd>${readableTimes(s.decision)}</dd>
      <dt>Facts</dt><dd>${readableTimes(s.facts)}</dd>
      <dt>Automated means</dt><dd>${readableTimes(s.automatedMeans)}</dd>
      <dt>Ground</dt><dd class="pre">${readableTimes(s.ground)}</dd>
      <dt>Redress</dt><dd>${readableTimes(s.redress)}</dd>
    </dl>
  </section>`;
}

export function AssessAndDecide({ token, kase, reload }) {
  const [reassess, setReassess] = useState(false);
  if (kase.decision && !kase.decision.reversedAt && kase.status !== 'OPEN' && kase.status !== 'IN_REVIEW') return html`<${DecisionSummary} decision=${kase.decision} />`;
  const latest = [...kase.assessments].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).pop();
  if (latest && !reassess && kase.status === 'IN_REVIEW') {
    return html`<div>
      <${DecideForm} key=${latest.id} token=${token} kase=${kase} assessment=${latest} reload=${reload} />
      <button type="button" class="secondary" onClick=${() => setReassess(true)}>Assess again</button>
    </div>`;
  }
  return html`<${AssessmentForm} token=${token} kase=${kase} reload=${async () => { setReassess(false); await reload(); }} />`;
}

