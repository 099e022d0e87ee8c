// The clauses of the Child Safety policy this module relies on, each quoted exactly as the policy text has it
// (src/policy/child-safety-policy.txt; a test checks every quote appears there verbatim).

export const CLAUSES = {
  'CS-1': {
    title: 'Scope of Child Safety content',
    quote:
      'Child Safety content is any content that contains Child Sexual Exploitation, Physical Child Abuse Media and Media of Minors in Physical Altercation, as defined below.',
  },
  'CS-2': {
    title: 'Good intent does not prevent removal',
    quote: 'When this content is shared on X, we may remove it even if it was shared with good intent.',
  },
  'CS-3': {
    title: 'Minor means under 18',
    quote:
      'We use the terms children and minors interchangeably in any of our policies and define them as any person under the age of 18.',
  },
  'CS-4': {
    title: 'Awareness, outrage and humour do not change the outcome',
    quote:
      'even when shared with the intent to bring awareness or justice, to express outrage or sharing content in a humoristic context, posting media of children experiencing sexual abuse or certain types of physical abuse can contribute to their revictimization',
  },
  'CSE-1': {
    title: 'Zero tolerance for child sexual exploitation',
    quote: 'X has zero tolerance towards any material that features or promotes child sexual exploitation.',
  },
  'CSE-2': {
    title: 'Every kind of media, generative AI included',
    quote: 'This may include real media, text, illustrated, or computer-generated media - including generative AI media.',
  },
  'CSE-3': {
    title: 'Intent is irrelevant',
    quote:
      'Regardless of the intent, anyone viewing, sharing, linking, or engaging with any kind of child sexual exploitation material contributes to the re-victimization of the depicted children and puts children at an extreme risk of being harmed.',
  },
  'CSE-4': {
    title: 'Promotion or glorification',
    quote:
      'This also applies to content that may further contribute to victimization of children through the promotion or glorification of child sexual exploitation.',
  },
  'PCAM-1': {
    title: 'Most physical child abuse media is removed',
    quote:
      'we will remove most instances of media depicting physical child abuse, even if shared to raise awareness or express outrage.',
  },
  'PCAM-2': { title: 'Nudity', quote: 'whether the child is nude, partially clothed, or fully clothed;' },
  'PCAM-3': { title: 'Severity of harm', quote: 'the severity of harm the child is experiencing; and' },
  'PCAM-4': {
    title: 'Sharing context',
    quote: 'whether the media was shared with abusive, non-abusive, or newsworthy context.',
  },
  'MPA-1': {
    title: 'Protecting minors in physical altercation while allowing awareness',
    quote:
      'We aim to protect the wellbeing of minors involved in physical altercation, regardless of their status (i.e victim or aggressor), while balancing the need to raise awareness of these issues.',
  },
  'MPA-2': { title: 'Abusive context', quote: 'the content is shared with an abusive or non-abusive context;' },
  'MPA-3': {
    title: 'Request from the minor or a representative',
    quote: 'we have received a report from the minor or an authorized representative; and',
  },
  'MPA-4': { title: 'Excessively graphic', quote: 'the content is excessively graphic.' },
  'RISK-1': {
    title: 'Child at immediate risk',
    quote: 'If you believe a child is at immediate risk of harm or death, please reach out to your local law enforcement.',
  },
  'NCMEC-1': {
    title: 'NCMEC CyberTipline',
    quote:
      'Additionally, after reporting potential violations of our Child Sexual Exploitation policy to us, you can also notify the National Center for Missing & Exploited Children (NCMEC) by using their [CyberTipLine](#) portal or calling 1-800-843-5678.',
  },
  'REPORT-1': { title: 'No account needed', quote: 'An X account is not needed to report potential violations.' },
  'REPORT-2': {
    title: 'Do not engage with the content',
    quote:
      'Please be sure to report the content right away and do not like, reply to, quote-post, screenshot, follow accounts who distribute, or otherwise engage with the content',
  },
  'REPORT-3': {
    title: 'No evidence required',
    quote: 'We do not require you to provide evidence of the potential violation in your report.',
  },
  'REPORT-4': {
    title: 'Engaging can be illegal',
    quote: 'Note: it can be illegal to engage with content that violates our Child Sexual Exploitation policy.',
  },
  'APPEAL-1': { title: 'Appeals', quote: 'If you believe we made a mistake, you can [submit an appeal](#).' },
} as const satisfies Record<string, { title: string; quote: string }>;

export type ClauseId = keyof typeof CLAUSES;

export interface ClauseCitation {
  clause: ClauseId;
  title: string;
  quote: string;
}

export const cite = (...ids: ClauseId[]): ClauseCitation[] => ids.map((id) => ({ clause: id, ...CLAUSES[id] }));

/** A quote as plain text: the policy's link markup (`[text](#)`) shown as its text. */
export const plainQuote = (quote: string): string => quote.replace(/\[([^\]]+)\]\([^)]*\)/g, '$1');
