/** A sales file being matched to customers (DMS match-back): what became of its rows so far. */
export interface SalesReportCounts {
  /** Sales recorded on a journey by the match (the dealer had not reported them). */
  recorded: number;
  /** Sales on record already (reported by the dealer, or a repeat in the file). */
  alreadyRecorded: number;
  /** No customer with the buyer's e-mail or phone. */
  unmatched: number;
  /** A customer matched, but the row contradicts what we know (and was not stored). */
  conflicts: number;
  /** The row itself is unreadable (a column at fault). */
  rejected: number;
}

export interface SalesReportProgress extends SalesReportCounts {
  reportId: string;
  status: 'RUNNING' | 'COMPLETED';
  totalRows: number;
  doneRows: number;
}
