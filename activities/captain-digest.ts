import { logTransport } from '../communications/transports.js';
import { sendDigest } from '../captains/digest.js';
import { sqlPoolOf } from '../platform/db.js';
import type { CommunicationDeps } from './communications.js';
import type { DealerDeliveryDeps } from './dealer-delivery.js';
import { createLogger } from '../platform/logger.js';

/** The captains' weekly digests: e-mail over the customers' SMTP transport, from the OEM's sender. */
export function createCaptainDigestActivities(deps: CommunicationDeps & DealerDeliveryDeps) {
  const email = deps.transports?.email ?? logTransport(deps.log ?? createLogger('captain-digest', 'info'));
  const sender = deps.oemSender ? `"${deps.oemSender.name}" <${deps.oemSender.address}>` : 'scorecard@localhost';
  return {
    /** Sends the digest of the week `at` falls in (the schedule's time), once per captain and week. */
    async sendCaptainDigest({ captainId, at }: { captainId: string; at: string }) {
      return sendDigest(
        { db: deps.db, sql: sqlPoolOf(deps.db), email, from: sender, publicApiUrl: deps.delivery?.publicApiUrl ?? 'http://localhost:3000' },
        captainId, new Date(at),
      );
    },
  };
}
