import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { marketModelChangedSignal, runningJourneysQuery, type MarketModelChange } from '../workflows/definitions.js';
import { MarketKey } from '../workflows/search-attributes.js';

export interface MarketDeps {
  /** Every worker process has it; only the time-skipping tests run without. */
  temporal?: Client;
  taskQueue?: string;
}

/** The journeys a change of `market` is for: its own, and (for the default country) those that know no market. */
export function marketJourneysQuery(taskQueue: string, market: string, forUnknownMarket: boolean): string {
  const ofMarket = `${MarketKey.name} = '${market}'${forUnknownMarket ? ` OR ${MarketKey.name} IS NULL` : ''}`;
  return `${runningJourneysQuery(taskQueue)} AND (${ofMarket})`;
}

export function createMarketActivities({ temporal, taskQueue }: MarketDeps) {
  return {
    /**
     * Signals every running journey of the market once per pass (a Temporal batch operation,
     * its job id the version and pass: a retried activity finds the job already there).
     */
    async signalMarketJourneys({ change, pass }: { change: MarketModelChange; pass: number }): Promise<string> {
      if (!temporal || !taskQueue) throw ApplicationFailure.nonRetryable('this worker has no Temporal client to signal journeys with');
      const { market, version } = change.market;
      const jobId = `market-${market}-v${version}-pass${pass}-${taskQueue}`;
      try {
        await temporal.workflowService.startBatchOperation({
          namespace: temporal.options.namespace,
          jobId,
          reason: `market ${market}: ownership model ${change.market.model} (v${version})`,
          visibilityQuery: marketJourneysQuery(taskQueue, market, change.forUnknownMarket),
          signalOperation: { signal: marketModelChangedSignal.name, input: { payloads: [defaultPayloadConverter.toPayload(change)] }, identity: 'market-rollout' },
        });
      } catch (error) {
        if ((error as { code?: number }).code !== 6 /* ALREADY_EXISTS: this pass ran already */) throw error;
      }
      return jobId;
    },
  };
}
