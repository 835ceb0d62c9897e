// Journeys upsert their search attributes on every change; one the namespace does not know
// fails the workflow task again and again (the journey stops). A worker therefore refuses to
// start while any is missing, naming them, rather than leave journeys stuck after a deploy.
import type { Client } from '@temporalio/client';
import { JOURNEY_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

/** The journey search attributes the namespace lacks; null when the server does not say (no permission to ask). */
export async function missingSearchAttributes(temporal: Client): Promise<string[] | null> {
  let known: Set<string>;
  try {
    const res = await temporal.connection.operatorService.listSearchAttributes({ namespace: temporal.options.namespace });
    known = new Set([...Object.keys(res.customAttributes ?? {}), ...Object.keys(res.systemAttributes ?? {})]);
  } catch {
    return null;
  }
  return JOURNEY_SEARCH_ATTRIBUTES.map((k) => k.name).filter((name) => !known.has(name));
}
