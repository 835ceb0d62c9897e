import { Client, Connection, type ClientInterceptors, type ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import type { Config } from './config.js';

type TemporalConfig = Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_API_KEY' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_SERVER_NAME' | 'TEMPORAL_TLS'>;

/**
 * How the API, the worker and the scripts reach Temporal: the address, and for Temporal Cloud
 * or any TLS cluster an API key or a client certificate (one shape for the client's Connection
 * and the worker's NativeConnection).
 */
export function temporalConnectionOptions(config: Partial<TemporalConfig> & Pick<TemporalConfig, 'TEMPORAL_ADDRESS'>): ConnectionOptions & NativeConnectionOptions {
  const mtls = config.TEMPORAL_TLS_CERT && config.TEMPORAL_TLS_KEY
    ? { clientCertPair: { crt: readFileSync(config.TEMPORAL_TLS_CERT), key: readFileSync(config.TEMPORAL_TLS_KEY) } }
    : {};
  const tlsOn = Boolean(config.TEMPORAL_API_KEY || config.TEMPORAL_TLS_CERT || config.TEMPORAL_TLS_CA || config.TEMPORAL_TLS === 'true');
  return {
    address: config.TEMPORAL_ADDRESS,
    ...(tlsOn
      ? {
        tls: {
          ...mtls,
          ...(config.TEMPORAL_TLS_CA ? { serverRootCACertificate: readFileSync(config.TEMPORAL_TLS_CA) } : {}),
          ...(config.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME } : {}),
        },
      }
      : {}),
    ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}),
  };
}

/** A Temporal client for the API and scripts (with the tracing interceptors when traces are on). */
export async function connectTemporal(
  config: Partial<TemporalConfig> & Pick<TemporalConfig, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>,
  { interceptors }: { interceptors?: ClientInterceptors } = {},
): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(config));
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, ...(interceptors ? { interceptors } : {}) });
}
