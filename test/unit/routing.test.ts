import { describe, expect, it } from 'vitest';
import { chooseDealer, territoryMatch, type DealerCandidate } from '../../domain/routing.js';

const dealer = (id: string, over: Partial<DealerCandidate> = {}): DealerCandidate => ({
  id, active: true, territory: ['10'], capacity: 10, openLoad: 0, lastOfferTurn: null, ...over,
});
const request = { postalCode: '10115', preferredDealerId: null, alreadyTried: [] as string[] };

describe('territoryMatch', () => {
  it('takes the longest covering prefix', () => {
    expect(territoryMatch({ territory: ['1', '101', '10'] }, '10115')).toBe(3);
    expect(territoryMatch({ territory: ['20'] }, '10115')).toBe(0);
    expect(territoryMatch({ territory: ['sw1'] }, 'SW1A 1AA')).toBe(3);
  });
});

describe('chooseDealer', () => {
  it('offers the dealer the customer chose when they can take it', () => {
    const dealers = [dealer('near', { territory: ['101'] }), dealer('chosen', { territory: ['80'] })];
    expect(chooseDealer(dealers, { ...request, preferredDealerId: 'chosen' })).toEqual({ dealerId: 'chosen', reason: 'PREFERRED' });
  });

  it.each([
    ['inactive', { active: false }],
    ['at capacity', { openLoad: 10 }],
  ])('falls back to territory when the chosen dealer is %s', (_why, over) => {
    const dealers = [dealer('near', { territory: ['101'] }), dealer('chosen', over)];
    expect(chooseDealer(dealers, { ...request, preferredDealerId: 'chosen' })).toEqual({ dealerId: 'near', reason: 'TERRITORY' });
  });

  it('prefers the most specific territory', () => {
    const dealers = [dealer('region', { territory: ['1'] }), dealer('city', { territory: ['101'] }), dealer('district', { territory: ['10'] })];
    expect(chooseDealer(dealers, request).dealerId).toBe('city');
  });

  it('rotates fairly among equals: never offered first, then least recently offered', () => {
    const dealers = [
      dealer('b', { lastOfferTurn: 2 }),
      dealer('a', { lastOfferTurn: 3 }),
      dealer('c', { lastOfferTurn: 1 }),
    ];
    expect(chooseDealer(dealers, request).dealerId).toBe('c');
    expect(chooseDealer([...dealers, dealer('fresh')], request).dealerId).toBe('fresh');
    expect(chooseDealer([dealer('y'), dealer('x')], request).dealerId).toBe('x');
  });

  it('never offers a dealer twice and skips inactive or full dealers', () => {
    const dealers = [dealer('tried'), dealer('off', { active: false }), dealer('full', { openLoad: 10 }), dealer('ok')];
    expect(chooseDealer(dealers, { ...request, alreadyTried: ['tried'] }).dealerId).toBe('ok');
    expect(chooseDealer(dealers, { ...request, alreadyTried: ['tried', 'ok'] })).toEqual({ dealerId: null, reason: 'NO_CANDIDATE' });
  });

  it('has no candidate without a postal code or a covering territory', () => {
    expect(chooseDealer([dealer('a')], { ...request, postalCode: null }).dealerId).toBeNull();
    expect(chooseDealer([dealer('a', { territory: ['8'] })], request).dealerId).toBeNull();
  });
});
