// Publishable form keys: put in a web page on the OEM's site, they can do one thing, create a
// lead with the key's own source and campaign, from the key's origins, with the consent
// wordings registered with it. Not secret (anyone can read the page), hence stored as is.
import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../platform/db.js';

export interface FormKey {
  id: string;
  key: string;
  name: string;
  campaign: string | null;
  allowedOrigins: string[];
  wordingIds: string[];
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface NewFormKey {
  name: string;
  campaign?: string;
  allowedOrigins: string[];
  wordingIds: string[];
  createdBy: string;
}

/** "pk_" and 24 random URL-safe characters: unguessable, so a page's key names one site's form. */
const newKey = () => `pk_${randomBytes(18).toString('base64url')}`;
export const FORM_KEY_PATTERN = /^pk_[A-Za-z0-9_-]{24}$/;

export function createFormKeyStore(db: PrismaClient) {
  return {
    create: (k: NewFormKey): Promise<FormKey> => db.formKey.create({ data: { ...k, key: newKey() } }),
    list: (): Promise<FormKey[]> => db.formKey.findMany({ orderBy: { createdAt: 'desc' } }),
    /** A key that works: known and not revoked. */
    active: (key: string): Promise<FormKey | null> => (FORM_KEY_PATTERN.test(key) ? db.formKey.findFirst({ where: { key, revokedAt: null } }) : Promise.resolve(null)),
    /** Revokes once; false when there is no such key. */
    async revoke(id: string): Promise<FormKey | null> {
      const found = await db.formKey.findUnique({ where: { id } });
      if (!found) return null;
      return found.revokedAt ? found : db.formKey.update({ where: { id }, data: { revokedAt: new Date() } });
    },
  };
}
export type FormKeyStore = ReturnType<typeof createFormKeyStore>;
