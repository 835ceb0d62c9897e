// Driver adapter used ONLY by the Prisma CLI (migrate) through prisma.config.ts,
// so migrations run on Prisma's WASM schema engine with nothing to download.
//
// Workaround for prisma/prisma#28197-style failures ("Column type 'name' could not
// be deserialized from the database"): @prisma/adapter-pg 6.x refuses the catalog
// types the schema engine's introspection queries return (name, "char", regproc,
// ...). They all arrive as strings, so for this adapter alone we report them as
// text (text[] for name[]). Also, the stock shadow-database connection reuses the
// main connection string (which overrides the `database` field) and drops the
// shadow database before closing its pool. And adapter-pg's executeScript splits a
// migration on every ';', which breaks any function body (`$$ … ; … $$`): here a script
// goes to PostgreSQL whole, as one simple query, which also makes each migration one
// transaction. Delete this file once adapter-pg does these itself;
// test/unit/migration-adapter.test.ts covers it.
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';

const TEXT = 25;
const TEXT_ARRAY = 1009;
const NAME_ARRAY = 1003;
/** name, "char", int2vector, regproc, xid, pg_node_tree, regclass, regtype */
export const CATALOG_TEXT_TYPES = new Set([19, 18, 22, 24, 28, 194, 2205, 2206]);

const parseTextArray = (pg.types.getTypeParser as (oid: number) => (value: string) => string[])(TEXT_ARRAY);

interface QueryResultLike {
  fields?: { dataTypeID: number }[];
  rows?: unknown[];
}

/** Rewrites catalog column types in a pg result to the text types the adapter accepts. */
export function mapCatalogTypes<R extends QueryResultLike>(result: R): R {
  const fields = result.fields ?? [];
  fields.forEach((field, column) => {
    if (CATALOG_TEXT_TYPES.has(field.dataTypeID)) {
      field.dataTypeID = TEXT;
    } else if (field.dataTypeID === NAME_ARRAY) {
      field.dataTypeID = TEXT_ARRAY;
      for (const row of result.rows ?? []) {
        if (Array.isArray(row) && typeof row[column] === 'string') row[column] = parseTextArray(row[column]);
      }
    }
  });
  return result;
}

class CatalogTypesClient extends pg.Client {
  // pg's overloads make a typed override impractical. pg.Pool calls the callback
  // form, a checked-out client the promise form; both are mapped.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last] as (err: Error | null, result?: QueryResultLike) => void;
      args[last] = (err: Error | null, result?: QueryResultLike) =>
        callback(err, result ? mapCatalogTypes(result) : result);
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const out = (super.query as any)(...args);
    return out instanceof Promise ? out.then((r: QueryResultLike) => mapCatalogTypes(r)) : out;
  }
}

function poolConfig(databaseUrl: string, database?: string): pg.PoolConfig {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: database ?? url.pathname.slice(1),
    Client: CatalogTypesClient,
  };
}

/** What adapter-pg's connected adapter has and the scripts need (its pool is `client`). */
type ScriptRunner = { client: pg.Pool | pg.Client; executeScript(script: string): Promise<void>; onError(error: unknown): never };

/** Runs a script as one simple query (several statements, dollar-quoted bodies, one transaction). */
function runScriptsWhole<A extends object>(adapter: A): A {
  const runner = adapter as unknown as ScriptRunner;
  runner.executeScript = async (script: string) => {
    try {
      await runner.client.query(script);
    } catch (error) {
      runner.onError(error);
    }
  };
  return adapter;
}

class MigrationPg extends PrismaPg {
  constructor(private readonly databaseUrl: string) {
    super(poolConfig(databaseUrl));
  }

  override async connect() {
    return runScriptsWhole(await super.connect());
  }

  override async connectToShadowDb() {
    const admin = new pg.Client(poolConfig(this.databaseUrl));
    await admin.connect();
    const database = `prisma_shadow_${globalThis.crypto.randomUUID().replaceAll('-', '')}`;
    await admin.query(`CREATE DATABASE "${database}"`);
    const shadow = runScriptsWhole(await new PrismaPg(poolConfig(this.databaseUrl, database)).connect());
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose(); // closes the shadow pool first, then the database can go
      await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
      await admin.end();
    };
    return shadow;
  }
}

export function migrationAdapter(databaseUrl: string): PrismaPg {
  if (!databaseUrl) throw new Error('DATABASE_URL is not set');
  return new MigrationPg(databaseUrl);
}
