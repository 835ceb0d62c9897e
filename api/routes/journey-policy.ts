// The journey policy, owned by the OEM: read it and its history (the audit), change it
// (a new version new journeys start with), and have running journeys follow a version
// (one Temporal batch operation signals every running journey; safe to repeat).
import { type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEFAULT_POLICY, InvalidPolicy, type JourneyPolicy } from '../../domain/policy.js';
import type { JourneyPolicyStore, PolicyVersion } from '../../platform/journey-policy.js';
import { AT_LEAST_ONE_FIELD, text, timeZone } from '../../platform/validation.js';
import { JOURNEY_WORKFLOW_TYPE, policyChangedSignal } from '../../workflows/definitions.js';
import { Problem, sendNotFound, sendInvalid, sendUnavailable } from '../problems.js';
import { isTemporalUnavailable } from '../../platform/temporal-errors.js';

const MINUTE_OF_DAY = z.number().int().min(0).max(1439).describe('Minutes after midnight');

/** Each setting's rule, as the schema states it (domain/policy.ts checks the same again). */
const SETTINGS: { [K in keyof JourneyPolicy]: z.ZodType } = {
  ...(Object.fromEntries(Object.keys(DEFAULT_POLICY).map((k) => [k, z.number().positive().max(1e12)])) as unknown as { [K in keyof JourneyPolicy]: z.ZodType }),
  qualifyThreshold: z.number().positive().max(100).describe('Score 0–100 at which a lead is handed off'),
  contactCapMax: z.number().int().positive().max(1000),
  quietHoursStartMinute: MINUTE_OF_DAY,
  quietHoursEndMinute: MINUTE_OF_DAY,
  customerTimeZone: timeZone(),
  oemMayActForDealer: z.union([z.literal(0), z.literal(1)]),
};

const PolicyChange = z
  .strictObject({
    changes: z
      .strictObject(Object.fromEntries(Object.entries(SETTINGS).map(([k, schema]) => [k, schema.optional()])))
      .refine((c) => Object.keys(c).length > 0, 'name at least one setting to change')
      .meta({ ...AT_LEAST_ONE_FIELD, description: 'Settings to change; durations in milliseconds' }),
    reason: text(500).describe('Why: kept with the version'),
    applyToRunningJourneys: z.boolean().default(false).describe('Also send it to every running journey (otherwise only new journeys get it)'),
  })
  .meta({ id: 'JourneyPolicyChange' });

const Version = z
  .object({
    version: z.number().int(), policy: z.record(z.string(), z.union([z.number(), z.string()])), changes: z.record(z.string(), z.union([z.number(), z.string()])),
    changedBy: z.string(), reason: z.string(), appliedToRunning: z.boolean(), createdAt: z.string(),
  })
  .meta({ id: 'JourneyPolicyVersion' });
const view = (v: PolicyVersion) => v as unknown as z.infer<typeof Version>;

/** Signals every running journey, once per version: a repeat finds the batch job already there. */
async function rollOut(temporal: Client, taskQueue: string, v: PolicyVersion): Promise<string> {
  const jobId = `journey-policy-v${v.version}-${taskQueue}`;
  try {
    await temporal.workflowService.startBatchOperation({
      namespace: temporal.options.namespace,
      jobId,
      reason: `journey policy version ${v.version}: ${v.reason}`,
      visibilityQuery: `WorkflowType = '${JOURNEY_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`,
      signalOperation: { signal: policyChangedSignal.name, input: { payloads: [defaultPayloadConverter.toPayload({ version: v.version, policy: v.policy })] }, identity: 'journey-policy' },
    });
  } catch (error) {
    if ((error as { code?: number }).code !== 6 /* ALREADY_EXISTS: this version was rolled out already */) throw error;
  }
  return jobId;
}

export const journeyPolicyRoutes = (deps: { policies: JourneyPolicyStore; temporal: Client; taskQueue: string }): FastifyPluginAsyncZod => async (app) => {
  app.get('/v1/journey-policy', {
    config: { access: { roles: ['OEM', 'OPS'] } },
    schema: {
      tags: ['journey policy'], summary: 'The policy new journeys start with, and every version before it (who changed what, when and why)',
      response: { 200: z.object({ current: Version, history: z.array(Version) }) },
    },
  }, async (_request, reply) => {
    const [current, history] = await Promise.all([deps.policies.current(), deps.policies.history()]);
    return reply.send({ current: view(current), history: history.map(view) });
  });

  app.post('/v1/journey-policy/versions', {
    config: { access: { roles: ['OEM'] } },
    schema: {
      tags: ['journey policy'], summary: 'Change the journey policy: a new version for new journeys, and for running ones if you say so',
      description: 'Running journeys that follow a new version record it in their task log (POLICY_CHANGED); deadlines already set keep their time.',
      body: PolicyChange,
      response: { 201: Version.extend({ rollout: z.object({ jobId: z.string() }).nullable() }), 400: Problem, 503: Problem },
    },
  }, async (request, reply) => {
    const { changes, reason, applyToRunningJourneys } = request.body;
    let version: PolicyVersion;
    try {
      version = await deps.policies.change({ changes, changedBy: request.principal!.name, reason, applyToRunning: applyToRunningJourneys });
    } catch (error) {
      if (!(error instanceof InvalidPolicy)) throw error;
      const field = error.setting ? `changes.${error.setting}` : 'changes';
      return sendInvalid(reply, field, error.message);
    }
    let rollout = null;
    if (applyToRunningJourneys) {
      try {
        rollout = { jobId: await rollOut(deps.temporal, deps.taskQueue, version) };
      } catch (error) {
        // The version is stored; repeating the roll-out is safe (POST …/versions/{version}/rollout).
        if (isTemporalUnavailable(error)) return sendUnavailable(reply, 'Temporal');
        throw error;
      }
    }
    return reply.status(201).send({ ...view(version), rollout });
  });

  app.post('/v1/journey-policy/versions/:version/rollout', {
    config: { access: { roles: ['OEM'] } },
    schema: {
      tags: ['journey policy'], summary: 'Send a policy version to every running journey (again: repeats are harmless)',
      params: z.object({ version: z.coerce.number().int().min(1).max(1_000_000) }),
      response: { 202: z.object({ version: z.number().int(), jobId: z.string() }), 400: Problem, 404: Problem, 503: Problem },
    },
  }, async (request, reply) => {
    const version = await deps.policies.find(request.params.version);
    if (!version) return sendNotFound(reply, 'journey policy version', String(request.params.version));
    return reply.status(202).send({ version: version.version, jobId: await rollOut(deps.temporal, deps.taskQueue, version) });
  });
};
