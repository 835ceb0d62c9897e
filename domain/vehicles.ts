/**
 * The connected car as a channel (seed 002): what the OEM's connected-vehicle backend tells
 * us about a sold vehicle, and the VIN that names it. Pure.
 */
export const VEHICLE_EVENT_KINDS = ['MILEAGE', 'SERVICE_DUE', 'WARNING_LIGHT', 'BATTERY_HEALTH'] as const;
export type VehicleEventKind = (typeof VEHICLE_EVENT_KINDS)[number];

/** One telematics event as the journey hears it: vehicle data only, nothing of the driver. */
export interface VehicleEvent {
  /** The backend's id of the event: a repeat with it changes nothing. */
  eventId: string;
  vin: string;
  kind: VehicleEventKind;
  mileageKm?: number;
  /** The warning's code (e.g. an OBD code) for WARNING_LIGHT. */
  warningCode?: string;
  /** State of health of the traction battery, percent, for BATTERY_HEALTH. */
  batteryHealthPercent?: number;
}

/** Below this state of health the dealer is asked to look at the battery. */
export const BATTERY_HEALTH_WARNING_PERCENT = 70;
/** Vehicle event ids the journey remembers to make repeats harmless (bounded state). */
export const REMEMBERED_VEHICLE_EVENTS = 50;

/** 17 characters, digits and capital letters except I, O and Q (ISO 3779). */
const VIN_PATTERN = /^[A-HJ-NPR-Z0-9]{17}$/;
/** Markets whose VINs carry a check digit in position 9 (North America: 49 CFR 565). */
const CHECK_DIGIT_MARKETS: ReadonlySet<string> = new Set(['US', 'CA', 'MX']);

const TRANSLITERATION: Record<string, number> = {
  A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9, S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9,
};
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/** The check digit position 9 must hold ('0'–'9' or 'X'). Assumes the pattern holds. */
export function vinCheckDigit(vin: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const c = vin[i]!;
    sum += (/\d/.test(c) ? Number(c) : TRANSLITERATION[c]!) * WEIGHTS[i]!;
  }
  const r = sum % 11;
  return r === 10 ? 'X' : String(r);
}

/** Why `vin` is not a VIN (the shape), or null. */
export function vinShapeProblem(vin: string): string | null {
  if (vin.length !== 17) return `a VIN has 17 characters, not ${vin.length}`;
  if (!VIN_PATTERN.test(vin)) return 'a VIN has digits and capital letters only, never I, O or Q';
  return null;
}

/** Why `vin` is not valid for a vehicle sold in `market` (the check digit where the market has one), or null. */
export function vinMarketProblem(vin: string, market: string): string | null {
  if (!CHECK_DIGIT_MARKETS.has(market)) return null;
  const expected = vinCheckDigit(vin);
  return vin[8] === expected ? null : `the check digit (position 9) of a VIN in ${market} must be ${expected}`;
}

/** What a vehicle event asks of the customer's dealer and journey. */
export type VehicleEventOutcome =
  | { kind: 'SERVICE_REMINDER' }
  | { kind: 'DEALER_TASK'; detail: string }
  | { kind: 'RECORDED' };

export function outcomeOf(event: VehicleEvent): VehicleEventOutcome {
  switch (event.kind) {
    case 'SERVICE_DUE': return { kind: 'SERVICE_REMINDER' };
    case 'WARNING_LIGHT': return { kind: 'DEALER_TASK', detail: `WARNING_LIGHT ${event.warningCode ?? 'unknown'}` };
    case 'BATTERY_HEALTH':
      return event.batteryHealthPercent !== undefined && event.batteryHealthPercent < BATTERY_HEALTH_WARNING_PERCENT
        ? { kind: 'DEALER_TASK', detail: `BATTERY_HEALTH ${event.batteryHealthPercent}%` }
        : { kind: 'RECORDED' };
    case 'MILEAGE': return { kind: 'RECORDED' };
  }
}
