import { describe, expect, it } from 'vitest';
import { InvalidPhoneNumber, normalizeEmail, normalizePhone } from '../../domain/identity.js';

describe('normalizeEmail', () => {
  it.each([
    ['Ada@Example.COM', 'ada@example.com'],
    ['  ada@example.com\t', 'ada@example.com'],
    ['ADA.LOVELACE+IAA@example.com', 'ada.lovelace+iaa@example.com'],
  ])('%j → %j', (raw, expected) => {
    expect(normalizeEmail(raw)).toBe(expected);
  });

  it('keeps dots and +tags, which can name different mailboxes', () => {
    expect(normalizeEmail('a.b@example.com')).not.toBe(normalizeEmail('ab@example.com'));
    expect(normalizeEmail('a+x@example.com')).not.toBe(normalizeEmail('a@example.com'));
  });

  it('normalises Unicode so composed and decomposed forms match', () => {
    expect(normalizeEmail('jose\u0301@example.com')).toBe(normalizeEmail('jos\u00e9@example.com'));
  });
});

describe('normalizePhone', () => {
  it.each([
    ['030 1234567', 'DE', '+49301234567'],
    ['+49 (30) 123-4567', 'DE', '+49301234567'],
    ['0049 30 1234567', 'DE', '+49301234567'],
    ['+33 1 23 45 67 89', 'DE', '+33123456789'],
    ['01 23 45 67 89', 'FR', '+33123456789'],
    ['0151 23456789', 'de', '+4915123456789'],
  ])('%j in %s → %s', (raw, country, expected) => {
    expect(normalizePhone(raw, country)).toBe(expected);
  });

  it.each(['12', 'not a number', '+49 30', '+999 123456'])('rejects %j', (raw) => {
    expect(() => normalizePhone(raw, 'DE')).toThrow(InvalidPhoneNumber);
  });
});
