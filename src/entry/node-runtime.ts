import path from "node:path";
import { type Config, DEFAULT_DATA_DIR, parseConfig } from "../config";
import type { Db } from "../platform/db";
import { createDb } from "../platform/db";
import { type DevSecrets, loadOrCreateDevSecrets } from "../platform/dev-secrets";
import { startEmbeddedPostgres } from "../platform/embedded-postgres";
import { createLogger, type Logger } from "../platform/logger";
import { migrateToLatest } from "../platform/migrate";
import { StartupError } from "../platform/startup-error";
import { isDatabaseUnavailable } from "../platform/transient";

/**
 * databaseUrl: where db points, for connections outside the pool (the sweep's election);
 * networkUrl: the same database over the network, for a local Worker (the embedded Postgres's
 * TCP address where databaseUrl is its Unix socket);
 * listenUrl: where the event notifier's LISTEN connects (DATABASE_LISTEN_URL, else databaseUrl).
 * variables: what config was parsed from, generated secrets included (handed on to a local Worker).
 */
export type NodeRuntime = {
  config: Config;
  variables: Record<string, string | undefined>;
  logger: Logger;
  db: Db;
  databaseUrl: string;
  networkUrl: string;
  listenUrl: string;
  close(): Promise<void>;
};

/**
 * What every Node command shares: configuration (with generated demo secrets outside
 * production), the database (DATABASE_URL, or the embedded Postgres under DATA_DIR), and
 * migrations brought up to date.
 */
export async function openNodeRuntime(env: Record<string, string | undefined>): Promise<NodeRuntime> {
  const dataDir = env.DATA_DIR || DEFAULT_DATA_DIR;
  const generated = env.NODE_ENV === "production" ? undefined : await loadOrCreateDevSecrets(dataDir);
  const variables = { ...generated, ...env };
  const config = parseConfig(variables);
  const logger = createLogger(config.logLevel);

  const { databaseUrl, networkUrl, stopEmbedded } = config.database.url
    ? { databaseUrl: config.database.url, networkUrl: config.database.url, stopEmbedded: async () => {} }
    : await startLocalDatabase(config, generated, dataDir, logger);

  const db = createDb(databaseUrl, config.database.poolMax, {
    acquireTimeoutMs: config.database.acquireTimeoutMs,
    preparedStatements: config.database.preparedStatements,
  });
  const close = async () => {
    await db.destroy();
    await stopEmbedded();
  };
  try {
    const migrated = await migrateToLatest(db);
    logger.info({ applied: migrated.results?.map((r) => r.migrationName) ?? [] }, "migrations up to date");
  } catch (err) {
    // Start-up completes or leaves nothing running.
    await close();
    if (!isDatabaseUnavailable(err)) throw err;
    const which = config.database.url ? "DATABASE_URL" : "the embedded Postgres";
    throw new StartupError(
      `Cannot reach the database at ${which} (${(err as Error).message}): check that it runs and the URL is right.`,
    );
  }
  return {
    config,
    variables,
    logger,
    db,
    databaseUrl,
    networkUrl,
    listenUrl: config.database.listenUrl ?? databaseUrl,
    close,
  };
}

/** The embedded Postgres (outside production): this process uses its socket, a local Worker its TCP address. */
async function startLocalDatabase(
  config: Config,
  generated: DevSecrets | undefined,
  dataDir: string,
  logger: Logger,
): Promise<{ databaseUrl: string; networkUrl: string; stopEmbedded: () => Promise<void> }> {
  if (!generated) throw new Error("unreachable: production requires DATABASE_URL");
  const embedded = await startEmbeddedPostgres({
    dir: path.join(dataDir, "postgres"),
    port: config.database.embeddedPort,
    password: generated.EMBEDDED_POSTGRES_PASSWORD,
  });
  logger.info({ port: config.database.embeddedPort, data_dir: embedded.dataDir }, "embedded postgres started");
  return { databaseUrl: embedded.localUrl, networkUrl: embedded.url, stopEmbedded: embedded.stop };
}
