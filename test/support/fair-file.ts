// Synthetic fair files: n visitors with distinct e-mails, realistic-looking columns.
const MODELS = ['ID.3', 'ID.4', 'ID.7', 'ID.Buzz', 'Golf', 'Tiguan'];
const TIMEFRAMES = ['NOW', 'WITHIN_3_MONTHS', 'WITHIN_12_MONTHS', 'LATER', ''];
const FIRST = ['Jürgen', 'Zoë', 'Ana', 'Łukasz', 'Søren', 'Amélie', 'Ömer', 'Ada'];

export function fairCsv(rows: number, tag: string, { postalPrefix = '99' } = {}): string {
  const lines = ['Vorname;Nachname;E-Mail;PLZ;Modell;Kaufzeitraum;Standnummer'];
  for (let i = 1; i <= rows; i++) {
    lines.push([
      FIRST[i % FIRST.length], `Besucher ${i}`, `visitor.${tag}.${i}@example.com`, `${postalPrefix}${String(i % 1000).padStart(3, '0')}`,
      MODELS[i % MODELS.length], TIMEFRAMES[i % TIMEFRAMES.length], `B${i % 40}`,
    ].join(';'));
  }
  return `${lines.join('\n')}\n`;
}
