import { describe, expect, it } from 'vitest';
import { addOpenTime, type BusinessHours } from '../../domain/business-hours.js';

const MIN = 60_000;
const weekdays = { MON: ['08:00', '18:00'], TUE: ['08:00', '18:00'], WED: ['08:00', '18:00'], THU: ['08:00', '18:00'], FRI: ['08:00', '18:00'] } as const;
const berlin: BusinessHours = { timeZone: 'Europe/Berlin', weekly: weekdays };

describe('addOpenTime: an SLA counted in open hours only', () => {
  it('Friday 17:50 Berlin + 60 minutes, open until 18:00 → Monday 08:50', () => {
    // 2026-11-27 is a Friday; CET is UTC+1.
    expect(addOpenTime('2026-11-27T16:50:00.000Z', 60 * MIN, berlin)).toBe('2026-11-30T07:50:00.000Z');
  });

  it('inside open hours it is plain time', () => {
    expect(addOpenTime('2026-11-25T09:00:00.000Z', 60 * MIN, berlin)).toBe('2026-11-25T10:00:00.000Z');
  });

  it('ending exactly at closing time stays on that day', () => {
    expect(addOpenTime('2026-11-25T16:00:00.000Z', 60 * MIN, berlin)).toBe('2026-11-25T17:00:00.000Z');
  });

  it('an offer at night starts counting when the dealer opens', () => {
    // Wednesday 23:30 Berlin → Thursday 08:00 + 30 min.
    expect(addOpenTime('2026-11-25T22:30:00.000Z', 30 * MIN, berlin)).toBe('2026-11-26T07:30:00.000Z');
  });

  it('an offer on Saturday waits for Monday; a Saturday opening counts', () => {
    expect(addOpenTime('2026-11-28T10:00:00.000Z', 30 * MIN, berlin)).toBe('2026-11-30T07:30:00.000Z');
    const withSaturday: BusinessHours = { ...berlin, weekly: { ...weekdays, SAT: ['09:00', '13:00'] } };
    expect(addOpenTime('2026-11-28T10:00:00.000Z', 30 * MIN, withSaturday)).toBe('2026-11-28T10:30:00.000Z');
  });

  it('spans several days: 12 open hours from Monday 17:00 end Wednesday 09:00', () => {
    // Mon 1 h + Tue 10 h + Wed 1 h.
    expect(addOpenTime('2026-11-30T16:00:00.000Z', 12 * 60 * MIN, berlin)).toBe('2026-12-02T08:00:00.000Z');
  });

  it('holidays are closed as a whole', () => {
    // Thursday 24 Dec 17:30 → 25 and 26 Dec closed (Fri, Sat), Sunday closed → Monday 28 Dec 08:30.
    const christmas: BusinessHours = { ...berlin, closedOn: ['2026-12-25', '2026-12-26'] };
    expect(addOpenTime('2026-12-24T16:30:00.000Z', 60 * MIN, christmas)).toBe('2026-12-28T07:30:00.000Z');
  });

  it('DST: the day the clocks go forward, 08:00 Berlin is 06:00 UTC', () => {
    // Saturday 28 March 2026 17:30 CET (UTC+1) → Monday 30 March 08:30 CEST (UTC+2).
    expect(addOpenTime('2026-03-28T16:30:00.000Z', 60 * MIN, { ...berlin, weekly: { ...weekdays, SAT: ['08:00', '18:00'] } })).toBe('2026-03-30T06:30:00.000Z');
  });

  it('DST: a day with hours across the switch is as long as it really is', () => {
    // Open around the clock on Sunday 25 October 2026 (25 hours long in Berlin): from
    // Sunday 00:00 local, 25 hours of open time end at Monday 00:00 local, i.e. 23:00 UTC.
    const sunday: BusinessHours = { timeZone: 'Europe/Berlin', weekly: { SUN: ['00:00', '23:59'], MON: ['00:00', '23:59'] } };
    expect(addOpenTime('2026-10-24T22:00:00.000Z', 60 * MIN, sunday)).toBe('2026-10-24T23:00:00.000Z');
    // 23:59 local on the long day is 22:59 UTC: 24 h 59 min of open time that day.
    expect(addOpenTime('2026-10-24T22:00:00.000Z', (24 * 60 + 59) * MIN, sunday)).toBe('2026-10-25T22:59:00.000Z');
  });

  it('other zones: a New York dealer', () => {
    const ny: BusinessHours = { timeZone: 'America/New_York', weekly: weekdays };
    // Friday 17:50 EST (UTC−5) + 60 min → Monday 08:50 EST.
    expect(addOpenTime('2026-11-27T22:50:00.000Z', 60 * MIN, ny)).toBe('2026-11-30T13:50:00.000Z');
  });

  it('hours with no open day count plain time rather than never', () => {
    expect(addOpenTime('2026-11-27T16:50:00.000Z', 60 * MIN, { timeZone: 'Europe/Berlin', weekly: {} })).toBe('2026-11-27T17:50:00.000Z');
  });
});
