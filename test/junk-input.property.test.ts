import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyLedger } from "../src/features/ledger/verify-ledger";
import { encodeCursor } from "../src/http/pagination";
import { PROBLEM_CONTENT_TYPE } from "../src/http/problem";
import { BODY_LIMIT_BYTES } from "../src/http/request-guards";
import { enrollTestCard } from "./cards-helpers";
import { createHarness, type Harness } from "./harness";
import { type Created, directThread, type Person, sender, sendOk } from "./payment-helpers";

/**
 * Throws generated junk (path ids, query values, headers, bodies, encodings) at every operation
 * the OpenAPI document lists, as two real people with real objects, and holds every answer to
 * the document: never a 5xx, only statuses the operation documents, and a body that matches
 * the documented schema for that status. The ledger still balances afterwards.
 */
const RUNS_PER_OPERATION = 100;

type Schema = Record<string, unknown> & { $ref?: string; properties?: Record<string, Schema> };
type Parameter = { name: string; in: "path" | "query" | "header"; schema?: Schema };
type Operation = {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
};
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

let h: Harness;
let alice: Person;
let bob: Person;
let doc: Document;
/** Real ids of alice's objects by type prefix, so some junk reaches the verbs behind the checks. */
const realIds: Record<string, string[]> = {};

beforeAll(async () => {
  h = await createHarness();
  alice = await sender(h, "alice");
  bob = await sender(h, "bob", null);
  const threadId = await directThread(h, alice, bob);
  const created: Created = await sendOk(h, alice, threadId, bob, 1234, "pizza");
  const request = await h.request("POST", `/v1/threads/${threadId}/requests`, {
    token: bob.token,
    body: { amount_minor: 500, currency: "USD" },
  });
  const card = await enrollTestCard(h, bob, "visa_debit");
  realIds.thr = [threadId];
  realIds.pay = [created.payment.id];
  realIds.chl = created.confirmation ? [created.confirmation.challenge_id] : [];
  realIds.req = [((await request.json()) as { id: string }).id];
  realIds.card = [((await card.json()) as { id: string }).id];
  realIds.usr = [alice.id, bob.id];
  doc = (await (await h.request("GET", "/openapi.json")).json()) as Document;
});
afterAll(() => h?.close());

const resolve = (schema: Schema | undefined): Schema | undefined => {
  if (!schema?.$ref) return schema;
  return doc.components.schemas[schema.$ref.replace("#/components/schemas/", "")];
};

const ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const wellFormedId = (prefix: string) =>
  fc.string({ unit: fc.constantFrom(...ID_ALPHABET), minLength: 26, maxLength: 26 }).map((body) => `${prefix}_${body}`);

/** Strings chosen to break things: NUL, unpaired surrogates, controls, bidi, huge, numeric edges. */
const nasty = fc.constantFrom(
  "",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "\udfff",
  "x\nPayment of $5,000.00",
  "\u202e",
  "\u200b",
  "%",
  "%00",
  "%E0%A4%A",
  "../../etc/passwd",
  "null",
  "undefined",
  "-1",
  "0",
  "1e309",
  "9223372036854775808",
  "NaN",
  "platform",
  "a".repeat(300),
  "𝟘𝟙𝟚",
  "４２４２４２４２４２４２４２４２",
);
const junkString = fc.oneof(
  nasty,
  fc.string(),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
);
const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  junkString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -0, 2 ** 63, null, true, false),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(junkString, { maxLength: 4 }),
);

/** A path segment: a real id, a well-formed stranger's id, or junk, usually (not always) percent-encoded. */
function pathValue(param: Parameter): fc.Arbitrary<string> {
  const prefix = /^\^([a-z]+)_/.exec(String(resolve(param.schema)?.pattern ?? ""))?.[1];
  const options: fc.Arbitrary<string>[] = [junkString];
  if (prefix) options.push(wellFormedId(prefix), fc.constantFrom(...(realIds[prefix] ?? [`${prefix}_x`])));
  const enums = resolve(param.schema)?.enum as string[] | undefined;
  if (enums) options.push(fc.constantFrom(...enums));
  return fc.tuple(fc.oneof(...options), fc.boolean()).map(([value, raw]) => {
    if (raw && !/[/?#\s]/.test(value)) return value;
    try {
      return encodeURIComponent(value);
    } catch {
      return escape(value);
    }
  });
}

/** Cursors that decode, but to rows that cannot exist. */
const edgeCursors = fc.constantFrom(
  encodeCursor(2n ** 63n),
  encodeCursor(0n),
  btoa("s:-1"),
  btoa("s:99999999999999999999"),
);

/** Values the schema would likely accept, so requests get past validation to the verbs and queries behind it. */
function plausible(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const resolved = resolve(schema);
  if (!resolved || depth > 3) return junkValue;
  if (resolved.enum) return fc.constantFrom(...(resolved.enum as unknown[]));
  const type = resolved.type;
  if (type === "integer" || type === "number") return fc.integer({ min: 1, max: 100_000 });
  if (type === "boolean") return fc.boolean();
  if (type === "array") return fc.array(plausible(resolved.items as Schema, depth + 1), { minLength: 1, maxLength: 3 });
  if (type === "object" && resolved.properties) {
    const entries = Object.entries(resolved.properties).map(
      ([name, value]) => [name, plausible(value, depth + 1)] as const,
    );
    return fc.record(Object.fromEntries(entries), { requiredKeys: [] });
  }
  if (type === "string") {
    const prefix = /^\^([a-z]+)_/.exec(String(resolved.pattern ?? ""))?.[1];
    if (prefix) return fc.oneof(fc.constantFrom(...(realIds[prefix] ?? [`${prefix}_x`])), wellFormedId(prefix));
    if (resolved.pattern) return fc.constantFrom(...(realIds.usr ?? []), "123456", "USD", "alice");
    return fc.string({ unit: "grapheme", maxLength: 20 });
  }
  return junkValue;
}

/** Mostly plausible, sometimes junk: each kind of mistake is found behind the checks that come first. */
const mostlyPlausible = (schema: Schema | undefined) =>
  fc.oneof({ weight: 3, arbitrary: plausible(schema) }, { weight: 1, arbitrary: junkValue });

function queryValue(param: Parameter): fc.Arbitrary<string> {
  const value = param.name === "cursor" ? fc.oneof(edgeCursors, junkString) : mostlyPlausible(param.schema);
  return value.map((v) => (typeof v === "string" ? v : (JSON.stringify(v) ?? "")));
}

/** Header values must be ByteStrings without line breaks (fetch refuses others before sending). */
const headerSafe = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)) });

function bodyFor(op: Operation): fc.Arbitrary<string | undefined> {
  const schema = resolve(op.requestBody?.content["application/json"]?.schema);
  const names = Object.keys(schema?.properties ?? {});
  const realValues = fc.constantFrom(...Object.values(realIds).flat());
  const shaped = fc.oneof(
    { weight: 3, arbitrary: plausible(schema) },
    fc.dictionary(fc.oneof(fc.constantFrom(...names, "extra"), junkString), fc.oneof(junkValue, realValues), {
      maxKeys: 6,
    }),
  );
  return fc.oneof(
    { weight: 6, arbitrary: shaped.map((value) => JSON.stringify(value)) },
    fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
    fc.constantFrom(
      undefined,
      "",
      "[]",
      "null",
      "{",
      '{"a":1,"a":2}',
      "\ufeff{}",
      `${"[".repeat(5000)}${"]".repeat(5000)}`,
      JSON.stringify({ big: "x".repeat(BODY_LIMIT_BYTES) }),
    ),
    junkString,
  );
}

type Case = {
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string | undefined;
};

function caseFor(template: string, method: string, op: Operation): fc.Arbitrary<Case> {
  const params = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === "path");
  const queryParams = params.filter((p) => p.in === "query");
  return fc.record({
    path: fc
      .tuple(...pathParams.map(pathValue))
      .map((values) => pathParams.reduce((path, p, i) => path.replace(`{${p.name}}`, values[i] ?? ""), template)),
    query: fc
      .array(
        fc.oneof(
          ...queryParams.map((p) => queryValue(p).map((v): [string, string] => [p.name, v])),
          fc.tuple(junkString, junkString),
        ),
        { maxLength: queryParams.length + 1 },
      )
      .map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs).toString()}` : "")),
    headers: fc
      .record({
        Authorization: fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom(alice.token, alice.token, bob.token).map((t) => `Bearer ${t}`) },
          { weight: 1, arbitrary: fc.constantFrom("", "Bearer not.a.token", `Bearer ${alice.token.slice(0, -4)}AAAA`) },
          { weight: 1, arbitrary: headerSafe },
        ),
        "Content-Type": fc.oneof(
          { weight: 8, arbitrary: fc.constant("application/json") },
          fc.constantFrom("", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded"),
          headerSafe,
        ),
        "Idempotency-Key": fc.oneof(fc.constant(""), fc.uuid(), headerSafe),
        "Last-Event-ID": fc.oneof(fc.constant(""), headerSafe),
        "Stripe-Signature": fc.oneof(fc.constant(""), headerSafe),
      })
      // An empty value stands for a header not sent at all.
      .map((headers) => Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== ""))),
    body: method === "get" || method === "delete" ? fc.constant(undefined) : bodyFor(op),
  });
}

describe("junk at every documented operation", () => {
  it("never answers 5xx, and every answer is a documented status with a body matching its schema", async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: false });
    addFormats(ajv);
    ajv.addSchema({ $id: "openapi.json", components: doc.components });
    const schemaOf = (schema: Schema) =>
      schema.$ref
        ? (ajv.getSchema(`openapi.json${schema.$ref}`) ?? ajv.compile(schema))
        : ajv.compile({ ...schema, $id: undefined, components: doc.components });

    const failures: string[] = [];
    let operations = 0;
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        operations++;
        const result = await fc.check(
          fc.asyncProperty(caseFor(template, method, op), async (c) => {
            const headers = { ...c.headers };
            if (c.body === undefined) delete headers["Content-Type"];
            const res = await h.app.request(`${c.path}${c.query}`, {
              method: method.toUpperCase(),
              headers,
              body: c.body,
            });
            const status = String(res.status);
            const documented = op.responses[status];
            const contentType = res.headers.get("Content-Type") ?? "";
            if (contentType.startsWith("text/event-stream")) {
              await res.body?.cancel();
            } else if (documented?.content) {
              const mediaType = Object.keys(documented.content).find((type) => contentType.startsWith(type));
              const text = await res.text();
              const schema = mediaType ? documented.content[mediaType]?.schema : undefined;
              if (schema && mediaType?.includes("json")) {
                const validate = schemaOf(schema);
                if (!validate(JSON.parse(text))) {
                  throw new Error(
                    `${status} body does not match the documented ${mediaType} schema: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 300)}`,
                  );
                }
              }
              if (!mediaType)
                throw new Error(
                  `${status} answered ${contentType}, documented ${Object.keys(documented.content).join(", ")}`,
                );
            } else {
              await res.body?.cancel();
            }
            if (res.status >= 500) throw new Error(`${status}: server error`);
            if (!documented) throw new Error(`${status} is not documented (${contentType})`);
            if (res.status >= 400 && !documented.content && !contentType.startsWith(PROBLEM_CONTENT_TYPE)) {
              throw new Error(`${status} is not problem+json (${contentType})`);
            }
          }),
          { numRuns: RUNS_PER_OPERATION },
        );
        if (result.failed) {
          failures.push(
            `${method.toUpperCase()} ${template} (${op.operationId}): ${String(result.errorInstance)}\n  counterexample: ${JSON.stringify(result.counterexample)}\n  seed ${result.seed}, path ${result.counterexamplePath}`,
          );
        }
      }
    }
    expect(operations).toBeGreaterThan(40);
    expect(failures, failures.join("\n\n")).toEqual([]);
    expect(await verifyLedger(h.db)).toMatchObject({ ok: true });
  });
});
