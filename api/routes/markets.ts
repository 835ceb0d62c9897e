// Ownership models per market (seed 000), owned by the OEM: which model a market follows,
// every change with who made it and why, and the roll-out of a change to the market's
// running journeys (a workflow that signals them twice; see workflows/market-rollout.ts).
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../domain/access.js';
import { DEFAULT_MODEL, OWNERSHIP_MODELS } from '../../domain/markets.js';
import type { MarketModelVersion, MarketStore } from '../../platform/markets.js';
import { isTemporalUnavailable } from '../../platform/temporal-errors.js';
import { text } from '../../platform/validation.js';
import { taskQueuesOf } from '../../platform/task-queues.js';
import type { MarketModelChange } from '../../workflows/definitions.js';
import { Problem, sendUnavailable } from '../problems.js';

const MarketParams = z.object({ market: z.string().regex(/^[A-Z]{2}$/, 'a country code, ISO 3166-1 alpha-2 (e.g. DE)') });
const MarketChange = z
  .strictObject({
    model: z.enum(OWNERSHIP_MODELS).describe('PARTNER_LED: the OEM reaches consumers only through its dealers; OEM_DIRECT: the OEM owns the relationship, dealers sell and service; SHARED: both, by ownership'),
    reason: text(500).describe('Why: on every affected journey\'s ownership ledger'),
  })
  .meta({ id: 'MarketModelChange' });
const Version = z
  .object({ market: z.string(), model: z.enum(OWNERSHIP_MODELS), version: z.number().int(), reason: z.string(), changedBy: z.string(), createdAt: z.string() })
  .meta({ id: 'MarketModelVersion' });
const Market = z
  .object({ market: z.string(), model: z.enum(OWNERSHIP_MODELS), version: z.number().int().describe('0: never set (the shared model)'), history: z.array(Version) })
  .meta({ id: 'Market' });

/** The roll-out's workflow id: one per market and version, so a repeat finds the first. */
export const rolloutIdOf = (v: Pick<MarketModelVersion, 'market' | 'version'>) => `market-model-${v.market}-v${v.version}`;

export const marketRoutes = (deps: { markets: MarketStore; temporal: Client; taskQueue: string; defaultCountry: string }): FastifyPluginAsyncZod => async (app) => {
  /** Starts the version's roll-out unless it runs or ran already. */
  async function rollOut(v: MarketModelVersion, actor: string): Promise<string> {
    const workflowId = rolloutIdOf(v);
    const change: MarketModelChange = {
      market: { market: v.market, model: v.model, version: v.version }, reason: v.reason, actor, forUnknownMarket: v.market === deps.defaultCountry,
    };
    try {
      await deps.temporal.workflow.start('marketModelRollout', { workflowId, taskQueue: taskQueuesOf(deps.taskQueue).bulk, args: [change] });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    return workflowId;
  }

  app.get('/v1/markets', {
    config: { access: { roles: ['OEM', 'OPS'] } },
    schema: {
      tags: ['markets'], summary: 'The markets whose ownership model the OEM set (every other market follows SHARED)',
      response: { 200: z.object({ items: z.array(Version), defaultModel: z.enum(OWNERSHIP_MODELS) }) },
    },
  }, async (_request, reply) => reply.send({ items: await deps.markets.current(), defaultModel: DEFAULT_MODEL }));

  app.get('/v1/markets/:market', {
    config: { access: { roles: ['OEM', 'OPS'] } },
    schema: {
      tags: ['markets'], summary: 'A market\'s ownership model and every change of it (newest first)',
      params: MarketParams, response: { 200: Market, 400: Problem },
    },
  }, async (request, reply) => {
    const history = await deps.markets.history(request.params.market);
    const now = history[0];
    return reply.send({ market: request.params.market, model: now?.model ?? DEFAULT_MODEL, version: now?.version ?? 0, history });
  });

  app.put('/v1/markets/:market', {
    config: { access: { roles: ['OEM'] } },
    schema: {
      tags: ['markets'], summary: 'Set a market\'s ownership model: new leads follow it, and its running journeys from the moment the roll-out reaches them',
      description: 'Each affected journey records the change on its ownership ledger with the reason. Setting the model in force changes nothing and starts its roll-out again (harmless: journeys ignore a version they know). 503 when Temporal cannot be reached: the model is stored; repeat the request to roll it out.',
      params: MarketParams, body: MarketChange,
      response: { 200: Version.extend({ changed: z.boolean(), rollout: z.object({ workflowId: z.string() }) }), 400: Problem, 503: Problem },
    },
  }, async (request, reply) => {
    const principal = request.principal!;
    const { version, changed } = await deps.markets.set({ market: request.params.market, ...request.body, changedBy: principal.name });
    try {
      return reply.send({ ...version, changed, rollout: { workflowId: await rollOut(version, actorOf(principal)) } });
    } catch (error) {
      if (isTemporalUnavailable(error)) return sendUnavailable(reply, 'Temporal');
      throw error;
    }
  });
};
