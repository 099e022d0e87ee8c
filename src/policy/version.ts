// The policy version recorded on every assessment and decision. Changing the decision matrix means a new version:
// a test fingerprints the full decision table and fails until the new table's fingerprint is recorded here.

export const POLICY_VERSION = 'child-safety-2024-05.2';

/** SHA-256 of the decision table (scripts/policy-table.ts) for each version this code has shipped. */
export const TABLE_FINGERPRINTS: Record<string, string> = {
  'child-safety-2024-05.1': '7d809fa775932a93b3fecfe0c5cce480ea1d5af6bab023dfd77cb74fe903254c',
  // Clauses cited per decided action and outcome; suspensions, strikes and labels from the enforcement ladder;
  // immediate risk and the reporter's relation as claims the reviewer confirms; promotion and text without an age.
  'child-safety-2024-05.2': '994299da989d0b29dc2556576b8c0562e920fbe2071b7e4589724ab7ecada653',
};
