import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAdf } from '../../intake/adf.js';
import { IntakeRejected } from '../../intake/lead-intake.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/adf/${name}`, import.meta.url), 'utf8');

describe('parseAdf', () => {
  it('maps a full prospect: names, contact, address, vehicle, timeframe, vendor, provider, id', () => {
    const [prospect, ...rest] = parseAdf(fixture('single-prospect-with-vendor.xml').replace('__VENDOR_ID__', 'DLR-1'));
    expect(rest).toEqual([]);
    expect(prospect).toEqual({
      lead: {
        source: 'ADF',
        campaign: 'MobileMarkt',
        interest: { model: 'Volkswagen ID.7 Tourer', timeframe: 'NOW' },
        contact: {
          firstName: 'Jörg', lastName: 'Müller-Lüdenscheidt', email: 'Joerg.Mueller@Example.DE',
          phone: '030 1234 5678', postalCode: '10117', country: 'DE',
        },
        receivedAt: '2026-11-20T09:15:00.000Z',
      },
      providerKey: 'adf:MobileMarkt:MM-778812',
      vendor: { id: 'DLR-1', name: 'Autohaus Test' },
    });
  });

  it('reads several prospects with optional parts missing and non-ASCII names', () => {
    const prospects = parseAdf(fixture('two-prospects-minimal.xml').replace('__EMAIL__', 'lukasz@example.pl'));
    expect(prospects).toHaveLength(2);
    expect(prospects[0]!.lead.contact).toEqual({ firstName: 'Zoë', lastName: 'Ångström', phone: '+46 70 123 45 67' });
    expect(prospects[0]!.lead.interest).toEqual({ model: 'Volkswagen Golf' });
    expect(prospects[0]!.providerKey).toBeUndefined();
    expect(prospects[1]!.lead).toMatchObject({ campaign: 'CarPortal', contact: { firstName: 'Łukasz', email: 'lukasz@example.pl' } });
    expect(prospects[1]!.lead.receivedAt).toBeUndefined();
  });

  it.each([
    ['<adf><prospect>', 'body', /malformed XML/],
    ['<leads/>', 'adf', /no <adf> root/],
    ['<adf></adf>', 'adf.prospect', /no <prospect>/],
    ['<adf><prospect><customer/></prospect></adf>', 'adf.prospect[0].customer.contact', /no <customer><contact>/],
    ['<adf><prospect><customer><contact><name part="full">A B</name></contact></customer></prospect></adf>', 'adf.prospect[0].customer.contact', /no <email> or <phone>/],
  ])('refuses %j naming %s', (xml, field, message) => {
    try {
      parseAdf(xml);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(IntakeRejected);
      expect((error as IntakeRejected).field).toBe(field);
      expect((error as IntakeRejected).message).toMatch(message);
    }
  });
});

describe('consents in ADF (our documented extension: <customer><consent>)', () => {
  const adf = (consents: string) => `<?xml version="1.0"?><adf><prospect><customer><contact><email>ana@example.com</email></contact>${consents}</customer></prospect></adf>`;

  it('become consents of the lead, captured by the lead provider', () => {
    const [prospect] = parseAdf(adf('<consent channel="email" purpose="marketing" wording="mm-2026-de">yes</consent><consent channel="phone" purpose="sales_contact" wording="mm-2026-de">no</consent>'));
    expect(prospect!.lead.consents).toEqual([
      { channel: 'EMAIL', purpose: 'MARKETING', granted: true, wordingId: 'mm-2026-de', method: 'LEAD_PROVIDER' },
      { channel: 'PHONE', purpose: 'SALES_CONTACT', granted: false, wordingId: 'mm-2026-de', method: 'LEAD_PROVIDER' },
    ]);
  });

  it('a consent without its wording, or with an unknown channel, is refused naming the element', () => {
    expect(() => parseAdf(adf('<consent channel="email" purpose="marketing">yes</consent>'))).toThrow(expect.objectContaining({ field: 'adf.prospect[0].customer.consent[0].@wording' }));
    expect(() => parseAdf(adf('<consent channel="fax" purpose="marketing" wording="w">yes</consent>'))).toThrow(expect.objectContaining({ field: 'adf.prospect[0].customer.consent[0].@channel' }));
    expect(() => parseAdf(adf('<consent channel="email" purpose="marketing" wording="w">perhaps</consent>'))).toThrow(IntakeRejected);
  });
});
