import { Client, Connection, type ClientInterceptors } from '@temporalio/client';
import type { Config } from './config.js';

/** A Temporal client for the API and scripts (with the tracing interceptors when traces are on). */
export async function connectTemporal(
  config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>,
  { interceptors }: { interceptors?: ClientInterceptors } = {},
): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, ...(interceptors ? { interceptors } : {}) });
}
