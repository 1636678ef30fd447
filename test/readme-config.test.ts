import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import { CONFIG_VARIABLE_NAMES } from "../src/config";

it("the README's configuration table lists exactly the variables the configuration schema reads", async () => {
  const readme = await readFile("README.md", "utf8");
  const section = readme.slice(
    readme.indexOf("## Configuration"),
    readme.indexOf("\n## ", readme.indexOf("## Configuration") + 1),
  );
  // The first cell of each table row names one or more variables in backticks.
  const documented = [...section.matchAll(/^\|([^|]+)\|/gm)].flatMap((row) =>
    [...(row[1] ?? "").matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((name) => name[1]),
  );
  expect([...documented].sort()).toEqual([...CONFIG_VARIABLE_NAMES].sort());
});
