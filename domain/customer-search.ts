/**
 * What a customer-care search asks for, read from what a person types: an e-mail address, a
 * phone number (in any of its written forms), a VIN, a VAT id, or words of a name, company,
 * postal code or e-mail. Pure; care/customer-search.ts turns it into one indexed query.
 */
import { normalizeVatId, VAT_ID_PATTERN } from './fleets.js';

export const MIN_QUERY_LENGTH = 2;
export const MAX_QUERY_LENGTH = 100;
/** At most this many words of a name: each one is a condition on the index. */
export const MAX_QUERY_WORDS = 6;
/** The trigram index helps only with words of three characters or more. */
export const INDEXED_WORD_LENGTH = 3;

export type CustomerQuery =
  | { kind: 'VIN'; vin: string }
  | { kind: 'VAT_ID'; vatId: string }
  /** The digits after the country's trunk prefix or the international one: found inside the E.164 number. */
  | { kind: 'PHONE'; digits: string }
  /** Part of an e-mail address, lower case. */
  | { kind: 'EMAIL'; part: string }
  /** Each word must occur in the customer's name, company, postal code or e-mail (lower case); one at least indexable. */
  | { kind: 'WORDS'; words: string[] };

const VIN = /^[A-HJ-NPR-Z0-9]{17}$/;
const PHONE_CHARACTERS = /^\+?[0-9 ()/.-]+$/;
const MIN_PHONE_DIGITS = 6;

/** The query, or the problem with it (for a 400 naming `query`). */
export function parseCustomerQuery(raw: string): CustomerQuery | { problem: string } {
  const text = raw.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (text.length < MIN_QUERY_LENGTH) return { problem: `type at least ${MIN_QUERY_LENGTH} characters` };
  if (text.length > MAX_QUERY_LENGTH) return { problem: `at most ${MAX_QUERY_LENGTH} characters` };
  const upper = text.toUpperCase();
  if (VIN.test(upper)) return { kind: 'VIN', vin: upper };
  if (text.includes('@')) {
    const part = text.toLowerCase().replace(/\s/g, '');
    return part.length >= INDEXED_WORD_LENGTH ? { kind: 'EMAIL', part } : { problem: `at least ${INDEXED_WORD_LENGTH} characters of the e-mail address` };
  }
  if (PHONE_CHARACTERS.test(text)) {
    // "+49 170 1234567", "0049 170…", "0170 1234567": the digits after the prefixes, as the
    // stored +49170… contains them (a national number matches whatever its country code).
    const digits = text.replace(/[^0-9]/g, '').replace(/^00/, '').replace(/^0+/, '');
    if (digits.length >= MIN_PHONE_DIGITS) return { kind: 'PHONE', digits };
  }
  const vat = normalizeVatId(text);
  // A country prefix then the number (Austria's with its U): "SCHMIDT1234" stays a name.
  if (VAT_ID_PATTERN.test(vat) && /^[A-Z]{2}U?[0-9]/.test(vat) && /[0-9]{4,}/.test(vat)) return { kind: 'VAT_ID', vatId: vat };
  const words = [...new Set(text.toLowerCase().split(' ').map((w) => w.replace(/[%_\\]/g, '')).filter(Boolean))];
  if (words.length > MAX_QUERY_WORDS) return { problem: `at most ${MAX_QUERY_WORDS} words` };
  if (!words.some((w) => w.length >= INDEXED_WORD_LENGTH)) return { problem: `one word of at least ${INDEXED_WORD_LENGTH} characters, e.g. a last name` };
  return { kind: 'WORDS', words };
}

/** The LIKE pattern for a part found anywhere, with LIKE's own characters taken literally. */
export const containsPattern = (part: string) => `%${part.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
