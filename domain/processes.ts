// The processes customers pass through, as the seed article names them ("no-one owns the
// customer, but the processes are jointly shared and captained"), and the role that
// captains each one until the OEM names people (process_captain, docs/scorecard.md).
export const PROCESSES = ['identification', 'acquisition', 'engagement', 'maintenance', 'newValue', 'feedback'] as const;
export type Process = (typeof PROCESSES)[number];

export const DEFAULT_CAPTAINS: Record<Process, string> = {
  /** Who the person is: leads, merged duplicates. */
  identification: 'OEM_LEAD_DESK',
  /** Qualification, and escalations when no dealer takes the hand-off. */
  acquisition: 'OEM_LEAD_DESK',
  /** The hand-off and the sale. */
  engagement: 'DEALER_SALES_MANAGER',
  /** Service while the dealer owns the customer. */
  maintenance: 'DEALER_SERVICE_MANAGER',
  /** Back in market, and bought again. */
  newValue: 'DEALER_SALES_MANAGER',
  /** Surveys and complaints. */
  feedback: 'OEM_CUSTOMER_CARE',
};
