import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { duplicateRows, fieldForHeader, ImportFileRejected, leadFromRow, parseImportFile } from '../../intake/import-file.js';

const fixture = readFileSync(new URL('../fixtures/imports/iaa-2026-semicolon.csv', import.meta.url), 'utf8');
const event = { source: 'FAIR' as const, name: 'IAA Mobility 2026' };

describe('parseImportFile (CSV)', () => {
  const file = parseImportFile(fixture, 'CSV');

  it('reads a ;-separated file with a BOM, German headers, quoted fields and UTF-8 names', () => {
    expect(file.rows).toHaveLength(6);
    expect(file.rows[0]).toEqual({
      row: 1,
      values: {
        firstName: 'Jürgen', lastName: 'Müller', email: 'juergen.mueller@example.de', phone: '030 1234567', postalCode: '10115',
        model: 'ID.7', timeframe: 'NOW', message: 'Wants a test drive; asks about "Pro" trim',
      },
    });
    expect(file.rows[1]!.values).toMatchObject({ firstName: 'Zoë', lastName: 'Ørsted-Łukasiewicz', message: 'Two lines\nof notes' });
    expect(file.ignoredColumns).toEqual(['Standnummer']);
  });

  it('numbers rows as records, not lines (a quoted newline does not shift them)', () => {
    expect(file.rows.map((r) => r.row)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(file.rows[2]!.values.firstName).toBe('No');
  });

  it.each([
    ['comma', 'first name,email\nAda,ada@example.com\n'],
    ['tab', 'First Name\tE-mail\nAda\tada@example.com\n'],
    ['CRLF line ends', 'firstName;email\r\nAda;ada@example.com\r\n'],
  ])('reads %s files', (_label, csv) => {
    expect(parseImportFile(csv, 'CSV').rows).toEqual([{ row: 1, values: { firstName: 'Ada', email: 'ada@example.com' } }]);
  });

  it('maps header names whatever their case, spacing and dashes', () => {
    expect(['E-Mail', 'email', 'EMAIL ADDRESS', 'Postal Code', 'zip', 'PLZ', 'Händler'].map(fieldForHeader))
      .toEqual(['email', 'email', 'email', 'postalCode', 'postalCode', 'postalCode', 'preferredDealerId']);
    expect(fieldForHeader('Standnummer')).toBeNull();
  });

  it.each([
    ['no e-mail or phone column', 'name;city\nAda;Berlin\n', /no e-mail or phone column/],
    ['only a header', 'email\n', /no rows/],
    ['an unterminated quote', 'email\n"ada@example.com\n', /not readable as CSV/],
  ])('refuses a file with %s', (_label, csv, message) => {
    expect(() => parseImportFile(csv, 'CSV')).toThrow(ImportFileRejected);
    expect(() => parseImportFile(csv, 'CSV')).toThrow(message);
  });
});

describe('parseImportFile (JSON)', () => {
  it('reads an array of objects or {"leads": [...]}', () => {
    const rows = [{ firstName: 'Ada', email: 'ada@example.com', booth: 'B1' }, { phone: '+49301234567' }];
    for (const content of [JSON.stringify(rows), JSON.stringify({ leads: rows })]) {
      const file = parseImportFile(content, 'JSON');
      expect(file.rows).toEqual([{ row: 1, values: { firstName: 'Ada', email: 'ada@example.com' } }, { row: 2, values: { phone: '+49301234567' } }]);
      expect(file.ignoredColumns).toEqual(['booth']);
    }
  });

  it.each([['not JSON', '{'], ['not a list', '{"a":1}'], ['a list of strings', '["x"]']])('refuses %s', (_label, content) => {
    expect(() => parseImportFile(content, 'JSON')).toThrow(ImportFileRejected);
  });
});

describe('leadFromRow', () => {
  const [jurgen, zoe, noContact, badMail, , soonish] = parseImportFile(fixture, 'CSV').rows;

  it('makes a lead for the event from a good row', () => {
    expect(leadFromRow(jurgen!, event)).toEqual({
      lead: {
        source: 'FAIR', event: 'IAA Mobility 2026',
        interest: { model: 'ID.7', timeframe: 'NOW', message: 'Wants a test drive; asks about "Pro" trim' },
        contact: { firstName: 'Jürgen', lastName: 'Müller', email: 'juergen.mueller@example.de', phone: '030 1234567', postalCode: '10115' },
      },
    });
    expect(leadFromRow(zoe!, event)).toHaveProperty('lead.interest.timeframe', 'WITHIN_3_MONTHS');
  });

  it('names the column of a bad value', () => {
    expect(leadFromRow(badMail!, event)).toEqual({ field: 'email', reason: expect.stringMatching(/email/i) });
    expect(leadFromRow(soonish!, event)).toEqual({ field: 'timeframe', reason: expect.any(String) });
    // Contact without e-mail or phone: refused by the same rule as the API's (one schema for a lead).
    expect(leadFromRow(noContact!, event)).toEqual({ field: 'email/phone', reason: expect.stringMatching(/e-mail address or a phone number/) });
  });
});

describe('duplicateRows', () => {
  it('points a row repeating an earlier person (same e-mail, written differently) to that row', () => {
    const rows = parseImportFile(fixture, 'CSV').rows;
    expect(duplicateRows(rows, 'DE')).toEqual(new Map([[5, 1]]));
  });

  it('recognises the same phone number in another format', () => {
    const rows = parseImportFile('phone;email\n030 1234567;a@example.com\n+49 30 1234567;b@example.com\n', 'CSV').rows;
    expect(duplicateRows(rows, 'DE')).toEqual(new Map([[2, 1]]));
  });
});

describe('consents on the sign-up sheet', () => {
  const csv = (header: string, row: string) => parseImportFile(`email;${header}\nana@example.com;${row}\n`, 'CSV').rows[0]!;

  it('become consents of the lead, with the wording printed on the sheet and the fair as method', () => {
    const row = csv('Newsletter;Einwilligung Telefon;Consent wording', 'ja;nein;iaa-2026-sheet-v2');
    expect(leadFromRow(row, event)).toMatchObject({
      lead: {
        consents: [
          { channel: 'EMAIL', purpose: 'MARKETING', granted: true, wordingId: 'iaa-2026-sheet-v2', method: 'FAIR_SIGN_UP' },
          { channel: 'PHONE', purpose: 'MARKETING', granted: false, wordingId: 'iaa-2026-sheet-v2', method: 'FAIR_SIGN_UP' },
        ],
      },
    });
  });

  it('an empty box says nothing; a box that is neither yes nor no, or a tick without the wording, rejects the row naming the column', () => {
    expect(leadFromRow(csv('newsletter;consent wording', ';w1'), event)).not.toHaveProperty('lead.consents');
    expect(leadFromRow(csv('newsletter;consent wording', 'maybe;w1'), event)).toEqual({ field: 'emailMarketing', reason: '"maybe" is neither yes nor no' });
    expect(leadFromRow(csv('newsletter', 'yes'), event)).toEqual({ field: 'consentWording', reason: 'a consent needs the id of the wording the person signed' });
  });
});
