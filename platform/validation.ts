// Rules every value a client sends is held to, whichever route or door it comes in by
// (JSON bodies, path and query parameters, ADF prospects, fair-file rows). The zod
// schemas here also write the OpenAPI document, so what is refused is documented.
import { z } from 'zod';

/**
 * Control characters have no place in names, notes or ids, and PostgreSQL refuses
 * U+0000 in text outright. Tab, line feed and carriage return stay allowed.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
// eslint-disable-next-line no-control-regex -- likewise; also the pattern the OpenAPI document states
export const NO_CONTROL_CHARACTERS = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/;
const NO_CONTROL_CHARACTERS_MESSAGE = 'must not contain control characters';

export function hasControlCharacter(value: string): boolean {
  return CONTROL_CHARACTER.test(value);
}

/** Free text a person typed: trimmed, 1..max characters, no control characters. */
export const text = (max: number) => z.string().trim().min(1).max(max).regex(NO_CONTROL_CHARACTERS, NO_CONTROL_CHARACTERS_MESSAGE);

/** An e-mail address, trimmed; the OpenAPI document says `format: email` (the pipe alone would not). */
export const email = () => z.string().trim()
  .pipe(z.email().max(254).refine((address) => address.lastIndexOf('@') <= 64, 'at most 64 characters before the @ (RFC 5321)'))
  .meta({ format: 'email', maxLength: 254 });

/** IANA time zones this runtime knows (canonical names, and UTC), as an enum the OpenAPI document lists. */
const TIME_ZONES = [...new Set([...Intl.supportedValuesOf('timeZone'), 'UTC'])] as [string, ...string[]];
export const timeZone = () => z.enum(TIME_ZONES, 'an IANA time zone, e.g. Europe/Berlin');

/** At least one field: for PATCH bodies, checked by `refine` and stated in the OpenAPI document. */
export const AT_LEAST_ONE_FIELD = { minProperties: 1 } as const;

const EARLIEST = Date.parse('2000-01-01T00:00:00Z');
/** How far ahead of our clock a client's clock may run before its "now" is implausible. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** A moment that has happened (lead received, visit made): ISO 8601 with offset, since 2000, not in the future. */
export const pastInstant = () =>
  z.iso
    .datetime({ offset: true })
    .refine((v) => Date.parse(v) >= EARLIEST, 'must not be before 2000')
    .refine((v) => Date.parse(v) <= Date.now() + CLOCK_SKEW_MS, 'must not be in the future');

/** A day that has happened (a sale, an event), YYYY-MM-DD, since 2000, not after today (anywhere on earth). */
export const pastDay = () =>
  z.iso
    .date()
    .refine((v) => Date.parse(v) >= EARLIEST, 'must not be before 2000')
    .refine((v) => Date.parse(v) <= Date.now() + 14 * 3600 * 1000, 'must not be in the future');

/** A moment ahead (send no earlier than, expires at): ISO 8601 with offset, not before 2000, within `maxDaysAhead`. */
export const futureInstant = (maxDaysAhead: number) =>
  z.iso
    .datetime({ offset: true })
    .refine((v) => Date.parse(v) >= EARLIEST, 'must not be before 2000')
    .refine((v) => Date.parse(v) <= Date.now() + maxDaysAhead * 24 * 3600 * 1000, `must be within ${maxDaysAhead} days from now`);

/**
 * The first string anywhere in a parsed request part that holds a control character, as
 * the field path the API names in errors ("contact.firstName", "brands.0", "params.id";
 * a whole string body is "body"); null when there is none. The safety net for values no
 * schema names (record keys, free variables, raw files).
 */
export function findControlCharacter(value: unknown, part: 'body' | 'params' | 'querystring'): string | null {
  const found = findIn(value, []);
  if (!found) return null;
  if (part !== 'body') return [part, ...found].join('.');
  return found.length ? found.join('.') : 'body';
}

function findIn(value: unknown, path: string[]): string[] | null {
  if (typeof value === 'string') return hasControlCharacter(value) ? path : null;
  if (!value || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    if (hasControlCharacter(key)) return [...path, key];
    const found = findIn(item, [...path, key]);
    if (found) return found;
  }
  return null;
}
