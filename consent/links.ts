// The links a person clicks to confirm a consent (double opt-in) or to unsubscribe: signed
// JWTs (jose, HS256) naming the customer and the consent, so they cannot be forged, changed
// to another customer or consent, or used for the other purpose (a separate audience each).
// A confirmation link names the request it was made for (`rq`): it confirms that one only.
// Unsubscribe links expire after UNSUBSCRIBE_LINK_DAYS (a message's link is for that message).
import { errors, jwtVerify, SignJWT } from 'jose';
import { CONSENT_CHANNELS, type ConsentChannel, type ConsentKey } from '../domain/consent.js';
import { CONSENT_PURPOSES, type ConsentPurpose } from '../domain/messages.js';

const CONFIRMATION = 'consent-confirmation';
const UNSUBSCRIBE = 'unsubscribe';

/** How long a message's unsubscribe link works (a newer message carries a newer one). */
export const UNSUBSCRIBE_LINK_DAYS = 180;

/** A link that is not ours, was changed, or has expired. */
export class ConsentLinkRejected extends Error {
  constructor(readonly problem: 'invalid' | 'expired') {
    super(problem === 'expired' ? 'this link has expired' : 'this link is not valid');
  }
}

export interface ConsentLink {
  customerId: string;
  channel: ConsentChannel;
  purpose: ConsentPurpose;
}

export interface ConsentLinks {
  /** The confirmation link for the consent request made at `requestedAt`, valid until `until`. */
  confirmationUrl(link: ConsentLink & { until: string; requestedAt: string }): Promise<string>;
  /** The unsubscribe link carried by a message (`communicationId`), valid UNSUBSCRIBE_LINK_DAYS. */
  unsubscribeUrl(link: ConsentLink & { communicationId: string }, now?: Date): Promise<string>;
  readConfirmation(token: string): Promise<ConsentLink & { requestedAt: string }>;
  readUnsubscribe(token: string): Promise<ConsentLink & { communicationId: string }>;
}

export function consentLinks({ secret, publicApiUrl }: { secret: string; publicApiUrl: string }): ConsentLinks {
  const key = new TextEncoder().encode(secret);
  const base = publicApiUrl.replace(/\/$/, '');
  const sign = (claims: Record<string, string>, subject: string, audience: string) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(subject).setAudience(audience).setIssuedAt();

  async function read(token: string, audience: string) {
    try {
      const { payload } = await jwtVerify(token, key, { audience, algorithms: ['HS256'] });
      const { sub, ch, pu } = payload;
      if (typeof sub !== 'string' || !CONSENT_CHANNELS.includes(ch as ConsentChannel) || !CONSENT_PURPOSES.includes(pu as ConsentPurpose)) throw new ConsentLinkRejected('invalid');
      return { payload, link: { customerId: sub, channel: ch as ConsentChannel, purpose: pu as ConsentPurpose } };
    } catch (error) {
      if (error instanceof ConsentLinkRejected) throw error;
      throw new ConsentLinkRejected(error instanceof errors.JWTExpired ? 'expired' : 'invalid');
    }
  }

  return {
    async confirmationUrl({ customerId, channel, purpose, until, requestedAt }) {
      const token = await sign({ ch: channel, pu: purpose, rq: requestedAt }, customerId, CONFIRMATION).setExpirationTime(new Date(until)).sign(key);
      return `${base}/v1/consents/confirm?token=${token}`;
    },
    async unsubscribeUrl({ customerId, channel, purpose, communicationId }, now = new Date()) {
      const expires = new Date(now.getTime() + UNSUBSCRIBE_LINK_DAYS * 86_400_000);
      const token = await sign({ ch: channel, pu: purpose, cid: communicationId }, customerId, UNSUBSCRIBE).setIssuedAt(now).setExpirationTime(expires).sign(key);
      return `${base}/v1/unsubscribe?token=${token}`;
    },
    async readConfirmation(token) {
      const { payload, link } = await read(token, CONFIRMATION);
      if (typeof payload.rq !== 'string') throw new ConsentLinkRejected('invalid');
      return { ...link, requestedAt: payload.rq };
    },
    async readUnsubscribe(token) {
      const { payload, link } = await read(token, UNSUBSCRIBE);
      // Links from before they expired carry no expiry: refused like any other out-of-date link.
      if (typeof payload.cid !== 'string' || typeof payload.exp !== 'number') throw new ConsentLinkRejected('invalid');
      return { ...link, communicationId: payload.cid };
    },
  };
}

/** "EMAIL:MARKETING" → its parts. */
export function partsOf(key: ConsentKey): { channel: ConsentChannel; purpose: ConsentPurpose } {
  const [channel, purpose] = key.split(':') as [ConsentChannel, ConsentPurpose];
  return { channel, purpose };
}
