// The two draws a campaign makes from ids alone (hashes, so outside domain/'s workflow-safe
// fence): who is held out, and each message's id. A retried or resumed campaign draws the same.
import { createHash } from 'node:crypto';
import { v5 as uuidV5 } from 'uuid';
import type { Channel } from '../domain/messages.js';

const HOLDOUT_BUCKETS = 10_000;

/**
 * Whether the customer is in the campaign's control group: a share of `percent` drawn from the
 * campaign and the customer alone (SHA-256), so a retried or resumed campaign draws the same.
 */
export function inHoldout(campaignId: string, customerId: string, percent: number): boolean {
  if (percent <= 0) return false;
  const digest = createHash('sha256').update(`${campaignId}:${customerId}`).digest();
  return digest.readUInt32BE(0) % HOLDOUT_BUCKETS < Math.round(percent * (HOLDOUT_BUCKETS / 100));
}

/** The namespace of campaign message ids (UUID v5): one id per campaign, customer and channel. */
const CAMPAIGN_MESSAGES = '6f1d6c1e-3a52-4c1e-9a55-0c2f1d3b7a10';

/**
 * The id of the campaign's message to a customer on a channel: the same on every retry, so the
 * journey (which answers a known id with its first decision) and the send never act twice.
 */
export function campaignMessageId(campaignId: string, customerId: string, channel: Channel): string {
  return uuidV5(`${campaignId}:${customerId}:${channel}`, CAMPAIGN_MESSAGES);
}

