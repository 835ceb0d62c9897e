/**
 * A dealer's opening hours, and a span of working time counted only while it is open.
 * Pure and deterministic (the journey runs it): Luxon for wall-clock time in the dealer's
 * zone, so DST days are as long as they really are.
 */
import { DateTime } from 'luxon';

export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface BusinessHours {
  /** IANA zone the hours are in, e.g. Europe/Berlin. */
  timeZone: string;
  /** [opens, closes] as HH:MM per weekday; closed on days not listed. */
  weekly: Partial<Record<Weekday, readonly [string, string]>>;
  /** Days closed as a whole (YYYY-MM-DD, in the dealer's zone): public holidays, inventory days. */
  closedOn?: readonly string[];
}

/** Farther than any real closure (a long holiday season): past it the hours are treated as wrong, not as closed. */
const LOOK_AHEAD_DAYS = 366;

/**
 * The instant `durationMs` of open time after `startIso`. An offer made after closing
 * starts counting when the dealer opens next; one made at Friday 17:50 with 60 minutes and
 * hours until 18:00 ends Monday 08:50. Hours with no open day at all count plain time.
 */
export function addOpenTime(startIso: string, durationMs: number, hours: BusinessHours): string {
  const plain = () => new Date(Date.parse(startIso) + durationMs).toISOString();
  if (!WEEKDAYS.some((day) => hours.weekly[day])) return plain();
  const closed = new Set(hours.closedOn ?? []);
  let cursor: DateTime = DateTime.fromISO(startIso, { zone: hours.timeZone });
  if (!cursor.isValid) return plain();
  let remaining = durationMs;
  for (let day = 0; day <= LOOK_AHEAD_DAYS; day++) {
    const today: DateTime = cursor.startOf('day');
    const window = hours.weekly[WEEKDAYS[today.weekday - 1]!];
    if (window && !closed.has(today.toISODate()!)) {
      const opens = at(today, window[0]);
      const closes = at(today, window[1]);
      if (cursor < opens) cursor = opens;
      if (cursor < closes) {
        const open = closes.toMillis() - cursor.toMillis();
        if (remaining <= open) return new Date(cursor.toMillis() + remaining).toISOString();
        remaining -= open;
      }
    }
    cursor = today.plus({ days: 1 });
  }
  return plain();
}

/** HH:MM on that day in its zone; a time the DST switch skips becomes the first one after it. */
function at(day: DateTime, clock: string): DateTime {
  const [hour, minute] = clock.split(':').map(Number);
  return day.set({ hour: hour!, minute: minute!, second: 0, millisecond: 0 });
}
