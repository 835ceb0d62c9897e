import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * Identity keys: two leads belong to the same customer when their normalised
 * e-mail or phone number match. Normalisation is deliberately conservative:
 * case and surrounding whitespace never distinguish mailboxes in practice,
 * but dots and +tags can, so they are kept.
 */
export function normalizeEmail(raw: string): string {
  return raw.normalize('NFC').trim().toLowerCase();
}

export class InvalidPhoneNumber extends Error {
  constructor(readonly raw: string) {
    super(`"${raw}" is not a valid phone number`);
  }
}

/**
 * Phone number in E.164 (+4930123456). National numbers are read in the lead's
 * country, falling back to the platform default. Throws InvalidPhoneNumber.
 */
export function normalizePhone(raw: string, defaultCountry: string): string {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry.toUpperCase() as CountryCode);
  if (!parsed || !parsed.isValid()) throw new InvalidPhoneNumber(raw);
  return parsed.number;
}
