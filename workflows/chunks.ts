/**
 * Rows 1…totalRows in chunks (imports and sales reports: each chunk an activity), `atOnce`
 * chunks in flight: with two, the next chunk is already under way while one finishes, so
 * the gap between activities (the round trip through the server) is not dead time.
 */
export async function inChunks(totalRows: number, chunkSize: number, work: (fromRow: number, toRow: number) => Promise<void>, atOnce = 1): Promise<void> {
  let next = 1;
  const lane = async () => {
    while (next <= totalRows) {
      const fromRow = next;
      next += chunkSize;
      await work(fromRow, Math.min(totalRows, fromRow + chunkSize - 1));
    }
  };
  await Promise.all(Array.from({ length: atOnce }, lane));
}
