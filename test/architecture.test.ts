import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The feature boundaries of STYLE.md, checked on every run: other folders reach a feature only
 * through its index.ts, and a repository only from its own folder. Tests (*.test.ts) may reach
 * inside; src/web/client is browser code with rules of its own.
 */

const SRC = path.resolve(import.meta.dirname, "../src");
const FEATURES = path.join(SRC, "features");
const SKIPPED = path.join(SRC, "web", "client");

// `import ... from "x"`, `export ... from "x"`, `import "x"` and `import("x")`; comment lines are dropped first.
const SPECIFIERS = [
  /\b(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']/g,
  /\bimport\s*["']([^"']+)["']/g,
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
];
const COMMENT_LINE = /^\s*(?:\/\/|\/\*|\*)/;

type Import = { from: string; to: string; specifier: string };

function sourceFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: "utf8" })
    .map((relative) => path.join(SRC, relative))
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.startsWith(SKIPPED + path.sep));
}

/** The file a relative specifier names, as TypeScript's bundler resolution finds it. */
function resolve(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  const candidates = [base, `${base}.ts`, base.replace(/\.js$/, ".ts"), path.join(base, "index.ts")];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

function relativeImports(file: string): { specifier: string; to: string | undefined }[] {
  const code = readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => !COMMENT_LINE.test(line))
    .join("\n");
  const specifiers = SPECIFIERS.flatMap((pattern) => [...code.matchAll(pattern)].map((match) => match[1] ?? ""));
  return [...new Set(specifiers)]
    .filter((specifier) => specifier.startsWith("."))
    .map((specifier) => ({ specifier, to: resolve(file, specifier) }));
}

/** The feature a file belongs to (its folder under src/features), if any. */
function featureOf(file: string): string | undefined {
  const relative = path.relative(FEATURES, file);
  return relative.startsWith("..") ? undefined : relative.split(path.sep)[0];
}

/** Where a repository may be used from: its feature's folder, or its own folder outside the features. */
function ownerFolderOf(repository: string): string {
  const feature = featureOf(repository);
  return feature ? path.join(FEATURES, feature) : path.dirname(repository);
}

const show = (file: string) => path.relative(path.dirname(SRC), file);
const describeImport = (i: Import) => `${show(i.from)} imports ${i.specifier} (${show(i.to)})`;

const files = sourceFiles();
const unresolved: string[] = [];
const imports: Import[] = files.flatMap((from) =>
  relativeImports(from).flatMap(({ specifier, to }) => {
    if (to) return [{ from, to, specifier }];
    unresolved.push(`${show(from)} imports ${specifier}, which names no file`);
    return [];
  }),
);

describe("feature boundaries", () => {
  it("reads the source tree", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(imports.length).toBeGreaterThan(500);
    expect(unresolved).toEqual([]);
  });

  it("gives every feature a public face, index.ts", () => {
    const features = readdirSync(FEATURES, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    expect(features.filter((feature) => !existsSync(path.join(FEATURES, feature.name, "index.ts")))).toEqual([]);
  });

  it("lets other folders reach a feature only through its index.ts", () => {
    const reachingIn = imports.filter((i) => {
      const feature = featureOf(i.to);
      return (
        feature !== undefined && featureOf(i.from) !== feature && i.to !== path.join(FEATURES, feature, "index.ts")
      );
    });
    expect(reachingIn.map(describeImport)).toEqual([]);
  });

  it("keeps every repository inside its own folder, and out of every public face", () => {
    const repositories = imports.filter((i) => i.to.endsWith(".repository.ts"));
    const outside = repositories.filter((i) => !i.from.startsWith(ownerFolderOf(i.to) + path.sep));
    const published = repositories.filter((i) => featureOf(i.from) && path.basename(i.from) === "index.ts");
    expect([...outside, ...published].map(describeImport)).toEqual([]);
  });
});
