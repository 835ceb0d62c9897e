/** A fair or road-show file being imported: what became of its rows so far. */
export interface ImportCounts {
  ok: number;
  rejected: number;
  duplicates: number;
}

export interface ImportProgress extends ImportCounts {
  importId: string;
  status: 'RUNNING' | 'COMPLETED';
  totalRows: number;
  doneRows: number;
}
