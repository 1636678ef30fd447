import { ConfigError } from "../config";
import { verifyLedger, viewBalance } from "../features/ledger";
import { openNodeRuntime } from "./node-runtime";

/** `npm run ledger:verify`: exits 0 when every balance matches its transfers and every currency sums to zero. */
async function main(): Promise<number> {
  const runtime = await openNodeRuntime({ LOG_LEVEL: "warn", ...process.env });
  try {
    const report = await verifyLedger(runtime.db);
    for (const d of report.drift) {
      console.log(
        `DRIFT account ${d.account_id} (${d.currency}): stored ${JSON.stringify(viewBalance(d.stored), bigints)} ` +
          `recomputed ${JSON.stringify(viewBalance(d.recomputed), bigints)}`,
      );
    }
    for (const u of report.unbalanced) {
      console.log(`UNBALANCED ${u.currency}: posted sums to ${u.posted}, pending to ${u.pending} (both must be 0)`);
    }
    console.log(
      report.ok ? "ledger OK: every balance matches its transfers; every currency sums to zero" : "ledger FAILED",
    );
    return report.ok ? 0 : 1;
  } finally {
    await runtime.close();
  }
}

function bigints(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(2);
  },
);
