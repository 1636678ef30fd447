import path from "node:path";
import { serve } from "@hono/node-server";
import { buildApp } from "../app";
import { ConfigError, DEFAULT_DATA_DIR, parseConfig } from "../config";
import { systemClock } from "../platform/clock";
import { createDb } from "../platform/db";
import { loadOrCreateDevSecrets } from "../platform/dev-secrets";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../platform/embedded-postgres";
import { createLogger } from "../platform/logger";
import { migrateToLatest } from "../platform/migrate";
import { runSweep } from "../sweep";

const SWEEP_INTERVAL_MS = 60_000;

async function main(): Promise<void> {
  const env = process.env;
  const production = env.NODE_ENV === "production";
  const dataDir = env.DATA_DIR || DEFAULT_DATA_DIR;
  const generated = production ? undefined : await loadOrCreateDevSecrets(dataDir);
  const config = parseConfig({ ...generated, ...env });
  const logger = createLogger(config.logLevel);

  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.database.url;
  if (!databaseUrl) {
    if (!generated) throw new Error("unreachable: production requires DATABASE_URL");
    embedded = await startEmbeddedPostgres({
      dir: path.join(dataDir, "postgres"),
      port: config.database.embeddedPort,
      password: generated.EMBEDDED_POSTGRES_PASSWORD,
    });
    databaseUrl = embedded.url;
    logger.info({ port: config.database.embeddedPort }, "embedded postgres started");
  }

  const db = createDb(databaseUrl, config.database.poolMax);
  const migrated = await migrateToLatest(db);
  logger.info({ applied: migrated.results?.map((r) => r.migrationName) ?? [] }, "migrations up to date");

  const deps = { config, db, clock: systemClock, logger };
  const app = buildApp(deps);
  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    logger.info({ host: info.address, port: info.port }, "listening");
    console.log(`Listening on http://${config.host}:${info.port} (API reference at /docs)`);
  });
  const sweeper = setInterval(() => {
    runSweep(deps).catch((err: unknown) => logger.error({ err }, "sweep failed"));
  }, SWEEP_INTERVAL_MS);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight requests");
    clearInterval(sweeper);
    const force = setTimeout(() => {
      logger.warn("shutdown timeout: closing remaining connections");
      "closeAllConnections" in server && server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearTimeout(force);
    await db.destroy();
    await embedded?.stop();
    logger.info("stopped");
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      shutdown(signal).then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, "shutdown failed");
          process.exit(1);
        },
      );
    });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
