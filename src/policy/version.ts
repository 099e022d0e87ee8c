// The policy version recorded on every assessment and decision. Changing the decision matrix means a new version:
// a test fingerprints the full decision table and fails until the new table's fingerprint is recorded here.

export const POLICY_VERSION = 'child-safety-2024-05.2';

/** SHA-256 of the decision table (scripts/policy-table.ts) for each version this code has shipped. */
export const TABLE_FINGERPRINTS: Record<string, string> = {
  'child-safety-2024-05.1': '7d809fa775932a93b3fecfe0c5cce480ea1d5af6bab023dfd77cb74fe903254c',
  'child-safety-2024-05.2': '5fe58180456c25c21db66cae3870de66fa1ab16a68a5d74824415bf4b29d1b85',
};
