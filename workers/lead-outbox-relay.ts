import type { Logger } from 'pino';
import type { LeadImports } from '../intake/lead-imports.js';
import type { SalesReports } from '../matchback/sales-reports.js';
import type { CustomerImports } from '../onboarding/customer-imports.js';
import type { Campaigns } from '../campaigns/campaigns.js';
import type { LeadIntake } from '../intake/lead-intake.js';
import type { PrismaClient } from '../platform/db.js';

export interface OutboxRelayOptions {
  db: PrismaClient;
  intake: Pick<LeadIntake, 'deliver'>;
  /** Also starts lead imports whose workflow could not be started when they arrived. */
  imports?: Pick<LeadImports, 'startStranded'>;
  /** And sales reports (DMS match-back) in the same situation. */
  salesReports?: Pick<SalesReports, 'startStranded'>;
  /** And customer imports (onboarding). */
  customerImports?: Pick<CustomerImports, 'startStranded'>;
  /** And campaigns started while Temporal was down. */
  campaigns?: Pick<Campaigns, 'startStranded'>;
  log: Logger;
  /** How often to look for stranded leads. */
  intervalMs?: number;
  /** Leave younger leads to the request that stored them. */
  minAgeMs?: number;
  batchSize?: number;
}

/**
 * Delivers leads that were stored but never reached their journey (Temporal was
 * down, or the API died between the two steps). Delivery is idempotent: the
 * journey ignores a lead id it has seen, so a double delivery is harmless.
 */
export function createLeadOutboxRelay({ db, intake, imports, salesReports, customerImports, campaigns, log, intervalMs = 5_000, minAgeMs = 10_000, batchSize = 100 }: OutboxRelayOptions) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function relayOnce(now = new Date()): Promise<number> {
    const stranded = await db.lead.findMany({
      // An onboarding row's lead goes with its record: its chunk delivers it, again if need be.
      where: { deliveredAt: null, createdAt: { lte: new Date(now.getTime() - minAgeMs) }, source: { not: 'CUSTOMER_IMPORT' } },
      orderBy: { createdAt: 'asc' },
      take: batchSize,
      select: { id: true },
    });
    let delivered = 0;
    for (const { id } of stranded) {
      if (await intake.deliver(id)) delivered++;
      else break; // journey still unreachable; try the rest next round
    }
    if (stranded.length > 0) log.info({ stranded: stranded.length, delivered }, 'lead outbox relayed');
    const importsStarted = imports ? await imports.startStranded(minAgeMs, now) : 0;
    if (importsStarted > 0) log.info({ importsStarted }, 'stranded lead imports started');
    const reportsStarted = salesReports ? await salesReports.startStranded(minAgeMs, now) : 0;
    if (reportsStarted > 0) log.info({ reportsStarted }, 'stranded sales reports started');
    const onboardingsStarted = customerImports ? await customerImports.startStranded(minAgeMs, now) : 0;
    if (onboardingsStarted > 0) log.info({ onboardingsStarted }, 'stranded customer imports started');
    const campaignsStarted = campaigns ? await campaigns.startStranded(minAgeMs, now) : 0;
    if (campaignsStarted > 0) log.info({ campaignsStarted }, 'stranded campaigns started');
    return delivered + importsStarted + reportsStarted + onboardingsStarted + campaignsStarted;
  }

  function tick() {
    running = relayOnce()
      .catch((err) => {
        log.warn({ err }, 'lead outbox relay round failed');
        return 0;
      })
      .finally(() => {
        running = undefined;
        if (timer) timer = setTimeout(tick, intervalMs);
      });
  }

  return {
    relayOnce,
    start() {
      timer = setTimeout(tick, intervalMs);
    },
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
