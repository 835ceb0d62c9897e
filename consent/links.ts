// The links a person clicks to confirm a consent (double opt-in), to unsubscribe, to open their
// own page (and to confirm its erasure): signed
// JWTs (jose, HS256) naming the customer and the consent, so they cannot be forged, changed
// to another customer or consent, or used for the other purpose (a separate audience each).
// A confirmation link names the request it was made for (`rq`): it confirms that one only.
// Unsubscribe links expire after UNSUBSCRIBE_LINK_DAYS (a message's link is for that message).
import { errors, jwtVerify, SignJWT } from 'jose';
import { CONSENT_CHANNELS, type ConsentChannel, type ConsentKey } from '../domain/consent.js';
import { CONSENT_PURPOSES, type ConsentPurpose } from '../domain/messages.js';

const CONFIRMATION = 'consent-confirmation';
const UNSUBSCRIBE = 'unsubscribe';
const MY_PAGE = 'my-page';
const MY_ERASURE = 'my-erasure';
const SURVEY = 'survey';
const REFERRAL = 'referral';

/** How long a survey's link can be answered. */
export const SURVEY_LINK_DAYS = 60;
/** How long a promoter's referral link brings a friend's lead. */
export const REFERRAL_LINK_DAYS = 365;

/** How long the link to a customer's own page works (asked for by e-mail, used at once). */
export const MY_PAGE_LINK_MINUTES = 60;
/** How long the second link of a self-service erasure works. */
export const MY_ERASURE_LINK_HOURS = 24;

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
  /** The link to the customer's own page (issue 34), valid MY_PAGE_LINK_MINUTES. */
  myPageUrl(customerId: string, now?: Date): Promise<string>;
  /** The second link of an erasure the customer asked for on their page, valid MY_ERASURE_LINK_HOURS. */
  myErasureUrl(customerId: string, now?: Date): Promise<string>;
  /** The customer a page link names (its token is the page's credential and its forms'). */
  readMyPage(token: string): Promise<{ customerId: string; expiresAt: Date }>;
  readMyErasure(token: string): Promise<{ customerId: string }>;
  /** The one-question page of a survey message (`communicationId`), valid SURVEY_LINK_DAYS. */
  surveyUrl(customerId: string, communicationId: string, now?: Date): Promise<string>;
  readSurvey(token: string): Promise<{ customerId: string; communicationId: string }>;
  /** A promoter's link for a friend's lead, valid REFERRAL_LINK_DAYS. */
  referralUrl(customerId: string, now?: Date): Promise<string>;
  readReferral(token: string): Promise<{ customerId: string }>;
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

  /** A link naming only the customer, for one purpose (its audience), until `minutes` from now. */
  const customerLink = (customerId: string, audience: string, minutes: number, now: Date, claims: Record<string, string> = {}) =>
    sign(claims, customerId, audience).setIssuedAt(now).setExpirationTime(new Date(now.getTime() + minutes * 60_000)).sign(key);
  async function readCustomerLink(token: string, audience: string) {
    try {
      const { payload } = await jwtVerify(token, key, { audience, algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') throw new ConsentLinkRejected('invalid');
      return { customerId: payload.sub, expiresAt: new Date(payload.exp * 1000), payload };
    } catch (error) {
      if (error instanceof ConsentLinkRejected) throw error;
      throw new ConsentLinkRejected(error instanceof errors.JWTExpired ? 'expired' : 'invalid');
    }
  }

  return {
    async myPageUrl(customerId, now = new Date()) {
      return `${base}/my?token=${await customerLink(customerId, MY_PAGE, MY_PAGE_LINK_MINUTES, now)}`;
    },
    async myErasureUrl(customerId, now = new Date()) {
      return `${base}/my/erasure?token=${await customerLink(customerId, MY_ERASURE, MY_ERASURE_LINK_HOURS * 60, now)}`;
    },
    readMyPage: async (token) => {
      const { customerId, expiresAt } = await readCustomerLink(token, MY_PAGE);
      return { customerId, expiresAt };
    },
    readMyErasure: async (token) => ({ customerId: (await readCustomerLink(token, MY_ERASURE)).customerId }),
    async surveyUrl(customerId, communicationId, now = new Date()) {
      return `${base}/survey?token=${await customerLink(customerId, SURVEY, SURVEY_LINK_DAYS * 1440, now, { cid: communicationId })}`;
    },
    async readSurvey(token) {
      const { customerId, payload } = await readCustomerLink(token, SURVEY);
      if (typeof payload.cid !== 'string') throw new ConsentLinkRejected('invalid');
      return { customerId, communicationId: payload.cid };
    },
    async referralUrl(customerId, now = new Date()) {
      return `${base}/referral?token=${await customerLink(customerId, REFERRAL, REFERRAL_LINK_DAYS * 1440, now)}`;
    },
    readReferral: async (token) => ({ customerId: (await readCustomerLink(token, REFERRAL)).customerId }),
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
