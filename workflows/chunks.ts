/** Rows 1…totalRows in chunks, one after another (imports and sales reports: each chunk an activity). */
export async function inChunks(totalRows: number, chunkSize: number, work: (fromRow: number, toRow: number) => Promise<void>): Promise<void> {
  for (let fromRow = 1; fromRow <= totalRows; fromRow += chunkSize) {
    await work(fromRow, Math.min(totalRows, fromRow + chunkSize - 1));
  }
}
