import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { JourneyPolicy } from '../domain/policy.js';
import type { PrismaClient } from '../platform/db.js';
import { createLeadIntake } from '../intake/lead-intake.js';
import { registerProblemHandler } from './problems.js';
import { adfRoutes } from './routes/adf.js';
import { customerRoutes } from './routes/customers.js';
import { healthRoutes } from './routes/health.js';
import { journeyRoutes } from './routes/journeys.js';
import { leadRoutes } from './routes/leads.js';

export interface AppDeps {
  db: PrismaClient;
  temporal: Client;
  log: Logger;
  taskQueue?: string;
  defaultCountry?: string;
  /** Policy new journeys start with (JOURNEY_POLICY in the environment). */
  journeyPolicy?: JourneyPolicy;
}

/** The HTTP API, configured and ready; server.ts only listens, tests call inject(). */
export async function buildApp(deps: AppDeps) {
  const app = Fastify({ loggerInstance: deps.log as FastifyBaseLogger, bodyLimit: 1024 * 1024 }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandler(app);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Lead-to-loyalty journeys',
        version: '0.1.0',
        description: 'One durable journey per customer: lead capture, qualification, dealer hand-off, sale, service.',
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const intake = createLeadIntake({
    db: deps.db,
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    defaultCountry: deps.defaultCountry ?? 'DE',
    log: deps.log,
    journeyPolicy: deps.journeyPolicy,
  });
  await app.register(leadRoutes(intake));
  await app.register(adfRoutes({ intake, db: deps.db }));
  await app.register(journeyRoutes(deps.temporal));
  await app.register(customerRoutes({ db: deps.db, temporal: deps.temporal, defaultCountry: deps.defaultCountry ?? 'DE' }));
  await app.register(healthRoutes(deps));
  return app;
}
