import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import { expect, it } from "vitest";
import { REPO_ROOT, runCommand } from "../command";
import { createHarness } from "../harness";

/** The module the README's examples import the generated types from. */
const TYPES_MODULE = "chat-pay-api";

it("generates types from /openapi.json that the README's TypeScript examples compile against", async () => {
  const h = await createHarness();
  const dir = await mkdtemp(path.join(os.tmpdir(), "chat-pay-typed-client-"));
  try {
    const doc = (await (await h.request("GET", "/openapi.json")).json()) as OpenAPI3;
    await writeFile(path.join(dir, `${TYPES_MODULE}.d.ts`), astToString(await openapiTS(doc)));

    const readme = await readFile(path.join(REPO_ROOT, "README.md"), "utf8");
    const examples = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? "");
    expect(examples.length).toBeGreaterThan(0);
    await Promise.all(examples.map((code, i) => writeFile(path.join(dir, `readme-${i + 1}.ts`), code)));

    // The examples import openapi-fetch as a client project would, from the repository's packages.
    await symlink(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    const compilerOptions = {
      strict: true,
      target: "ES2022",
      module: "ESNext",
      moduleResolution: "Bundler",
      lib: ["ES2022", "DOM"],
      types: [],
      noEmit: true,
    };
    await writeFile(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["*.ts"] }));
    const tsc = await runCommand(path.join(REPO_ROOT, "node_modules/.bin/tsc"), ["-p", dir]);
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.code).toBe(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await h.close();
  }
});
