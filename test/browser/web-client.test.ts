import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type BrowserWorld,
  CHROMIUM_PATH,
  chromiumFound,
  openBrowserWorld,
  screenshot,
  visible,
} from "./browser-harness";

/** Browser stories take seconds each (argon2 PIN hashes, Stripe round trips); these are ceilings, not waits. */
const STORY_TIMEOUT_MS = 120_000;
const ALICE_PIN = "480917";
const BOB_PIN = "295073";

if (!chromiumFound) {
  const reason = `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;
  describe("web client in Chromium", () => {
    // Outside CI a missing browser skips the suite, saying why; in CI it is a failure.
    if (process.env.CI) {
      it("needs Chromium in CI", () => {
        throw new Error(`${reason}: .ci/run installs it with apt-get`);
      });
    } else {
      console.warn(`Browser tests skipped: ${reason}`);
      it.skip(`is skipped: ${reason}`, () => {});
    }
  });
}

describe.skipIf(!chromiumFound)("web client in Chromium: Alice and Bob", () => {
  let world: BrowserWorld;
  let alice: Page;
  let bob: Page;

  beforeAll(async () => {
    world = await openBrowserWorld();
    alice = (await world.person()).page;
    bob = (await world.person()).page;
  }, STORY_TIMEOUT_MS);

  afterAll(async () => {
    await world?.close();
  }, STORY_TIMEOUT_MS);

  afterEach(() => {
    expect(world.pageErrors).toEqual([]);
  });

  const sheet = (page: Page) => page.getByRole("dialog");
  const paymentCard = (page: Page, amount: string) =>
    page.locator("article[data-payment-id]").filter({ hasText: amount });
  const requestCard = (page: Page, amount: string) =>
    page.locator("article[data-request-id]").filter({ hasText: amount });

  async function typeAmountOnKeypad(page: Page, keys: string[]): Promise<void> {
    const keypad = sheet(page).getByRole("group", { name: "Amount keypad" });
    for (const key of keys) {
      await keypad.getByRole("button", { name: key === "." ? "Decimal point" : key, exact: true }).click();
    }
  }

  it(
    "two people sign in as demo people and chat live",
    async () => {
      await screenshot(bob, "01-sign-in");
      await bob.getByRole("button", { name: "Sign in as Bob" }).click();
      await visible(bob.getByRole("heading", { name: "Chats" }));
      await alice.getByRole("button", { name: "Sign in as Alice" }).click();

      await alice.getByLabel("Chat with (handle)").fill("bob");
      await alice.getByRole("button", { name: "Start chat" }).click();
      await visible(alice.getByRole("heading", { name: "Bob", level: 2 }));
      await alice.getByLabel("Message", { exact: true }).fill("Hi Bob! Pizza was great.");
      await alice.keyboard.press("Enter");

      // Bob did not reload: the thread shows up in his list from the live stream.
      await bob.getByRole("link", { name: /Alice/ }).click();
      await visible(bob.getByRole("log").getByText("Hi Bob! Pizza was great."));
      await alice.getByLabel("Message", { exact: true }).fill("Sending you my share now");
      await alice.getByRole("button", { name: "Send", exact: true }).click();
      await visible(bob.getByRole("log").getByText("Sending you my share now"));
      await screenshot(bob, "02-chat-live");
    },
    STORY_TIMEOUT_MS,
  );

  it(
    "Alice's first payment: credit card refused, debit card enrolled, PIN set, a wrong PIN counted, $12.34 sent",
    async () => {
      await alice.getByRole("button", { name: "Send or request money" }).click();
      await typeAmountOnKeypad(alice, ["1", "2", ".", "3", "4"]);
      expect(await sheet(alice).locator("output").textContent()).toBe("$12.34");
      await sheet(alice).getByLabel("What's it for? (optional)").fill("Pizza night");
      await screenshot(alice, "03-amount-keypad");
      await sheet(alice).getByRole("button", { name: "Pay", exact: true }).click();

      // First-time setup, inline: a card (Stripe's test cards, clearly in test mode).
      await visible(sheet(alice).getByRole("heading", { name: "Add a debit card" }));
      await visible(sheet(alice).getByText("Test mode"));
      await sheet(alice)
        .getByRole("radio", { name: /^Visa credit/ })
        .check();
      await sheet(alice).getByRole("button", { name: "Add card" }).click();
      const refusal = await visible(sheet(alice).getByRole("alert"));
      expect(await refusal.textContent()).toMatch(/credit card; payments in chat use debit cards only/);
      await screenshot(alice, "04-credit-card-refused");

      await sheet(alice)
        .getByRole("radio", { name: /^Visa debit/ })
        .check();
      await sheet(alice).getByRole("button", { name: "Add card" }).click();

      // Then a PIN, on the PIN pad (typed on its keys once, then with the keyboard).
      await visible(sheet(alice).getByRole("heading", { name: "Set a payment PIN" }));
      await screenshot(alice, "05-pin-pad");
      const pinKeys = sheet(alice).getByRole("group", { name: "New 6-digit PIN keypad" });
      for (const digit of ALICE_PIN) await pinKeys.getByRole("button", { name: digit, exact: true }).click();
      await sheet(alice).getByLabel("Enter the same PIN again", { exact: true }).fill(ALICE_PIN);

      // Confirm: a wrong PIN says how many attempts are left; the right one sends.
      await sheet(alice).getByLabel("Enter your payment PIN", { exact: true }).fill("135790");
      const wrong = await visible(sheet(alice).getByRole("alert"));
      expect(await wrong.textContent()).toBe("Incorrect PIN. 4 attempts left before your PIN is locked.");
      await screenshot(alice, "06-wrong-pin");
      await sheet(alice).getByLabel("Enter your payment PIN", { exact: true }).fill(ALICE_PIN);
      await sheet(alice).waitFor({ state: "detached" });

      const sent = paymentCard(alice, "$12.34");
      await visible(sent.getByText("Pizza night"));
      await visible(sent.getByText(/Waiting for Bob to add a debit card/));
      await screenshot(alice, "07-payment-sent");
    },
    STORY_TIMEOUT_MS,
  );

  it(
    "Bob sees the payment arrive live, adds a card, and it shows paid out",
    async () => {
      const received = paymentCard(bob, "$12.34");
      await visible(received.getByText(/Add a debit card to receive this/));
      expect(await received.textContent()).toContain("Pizza night");
      await screenshot(bob, "08-payment-received");

      await received.getByRole("button", { name: "Add a debit card to receive" }).click();
      await visible(sheet(bob).getByText("Test mode"));
      await sheet(bob)
        .getByRole("radio", { name: /^Mastercard debit/ })
        .check();
      await sheet(bob).getByRole("button", { name: "Add card" }).click();
      await sheet(bob).waitFor({ state: "detached" });

      await visible(received.getByText("Paid out to your card"));
      await screenshot(bob, "09-paid-out");
      await visible(paymentCard(alice, "$12.34").getByText("Paid out to Bob"));
    },
    STORY_TIMEOUT_MS,
  );

  it(
    "Alice requests $5 from Bob and Bob pays it (setting his PIN on the way)",
    async () => {
      await alice.getByRole("button", { name: "Send or request money" }).click();
      await typeAmountOnKeypad(alice, ["5"]);
      await sheet(alice).getByLabel("What's it for? (optional)").fill("Coffee");
      await sheet(alice).getByRole("button", { name: "Request", exact: true }).click();
      await sheet(alice).waitFor({ state: "detached" });
      await visible(requestCard(alice, "$5.00").getByText("Bob: not paid yet"));

      const request = requestCard(bob, "$5.00");
      await visible(request.getByText("Waiting for you"));
      await screenshot(bob, "10-request-received");
      await request.getByRole("button", { name: "Pay $5.00" }).click();

      // Bob has a card already (he added it to receive); he still needs a PIN to pay.
      await visible(sheet(bob).getByRole("heading", { name: "Set a payment PIN" }));
      await sheet(bob).getByLabel("New 6-digit PIN", { exact: true }).fill(BOB_PIN);
      await sheet(bob).getByLabel("Enter the same PIN again", { exact: true }).fill(BOB_PIN);
      await sheet(bob).getByLabel("Enter your payment PIN", { exact: true }).fill(BOB_PIN);
      await sheet(bob).waitFor({ state: "detached" });

      await visible(request.getByText("Paid", { exact: true }));
      await visible(requestCard(alice, "$5.00").getByText("Paid", { exact: true }));
      // Alice's card receives payouts too, so Bob's payment goes all the way to it.
      await visible(paymentCard(alice, "$5.00").getByText("Paid out to your card"));
      await screenshot(alice, "11-request-paid");
    },
    STORY_TIMEOUT_MS,
  );

  it(
    "a passkey registered with Chromium's virtual authenticator confirms a payment",
    async () => {
      const cdp = await alice.context().newCDPSession(alice);
      await cdp.send("WebAuthn.enable");
      const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
        options: {
          protocol: "ctap2",
          transport: "internal",
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
        },
      });

      await alice.getByRole("link", { name: "Security" }).click();
      await alice.getByRole("button", { name: "Register this device" }).click();
      await visible(alice.getByText("Passkey on Linux"));
      await screenshot(alice, "12-security");

      await alice.getByRole("link", { name: "Chats" }).click();
      await alice.getByRole("link", { name: /Bob/ }).click();
      await alice.getByRole("button", { name: "Send or request money" }).click();
      await sheet(alice).getByLabel("Amount in USD", { exact: true }).fill("7.5");
      expect(await sheet(alice).locator("output").textContent()).toBe("$7.50");
      await sheet(alice).getByLabel("What's it for? (optional)").fill("Cinema");
      await sheet(alice).getByRole("button", { name: "Pay", exact: true }).click();
      await visible(sheet(alice).getByRole("button", { name: "Confirm with biometric" }));
      await screenshot(alice, "13-confirm-with-biometric");
      await sheet(alice).getByRole("button", { name: "Confirm with biometric" }).click();
      await sheet(alice).waitFor({ state: "detached" });

      await visible(paymentCard(alice, "$7.50").getByText("Paid out to Bob"));
      await visible(paymentCard(bob, "$7.50").getByText("Paid out to your card"));
      // The passkey lives in the virtual authenticator, and it signed the confirmation.
      const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
      expect(credentials).toHaveLength(1);
      expect(credentials[0]?.signCount).toBeGreaterThan(0);

      await alice.getByRole("link", { name: "Security" }).click();
      await visible(alice.getByText("Payment confirmed").first());
      expect(await alice.locator(".events").textContent()).toContain("method: webauthn");
    },
    STORY_TIMEOUT_MS,
  );

  it(
    "history lists every payment with its status, and a receipt shows its steps; wide windows show the list beside the chat",
    async () => {
      await alice.getByRole("link", { name: "Payments" }).click();
      const rows = alice.getByRole("list", { name: "Payments" }).getByRole("listitem");
      await visible(rows.filter({ hasText: "$7.50" }));
      expect(await rows.count()).toBe(3);
      expect(await rows.filter({ hasText: "$12.34" }).textContent()).toContain("Paid out to Bob");
      expect(await rows.filter({ hasText: "$5.00" }).textContent()).toMatch(/From Bob.*\+\$5\.00/);
      await screenshot(alice, "14-history");

      await rows.filter({ hasText: "$12.34" }).getByRole("link").click();
      await visible(alice.getByRole("heading", { name: "Receipt" }));
      await visible(alice.getByRole("list").filter({ hasText: "paid out" }));
      await screenshot(alice, "15-receipt");

      await alice.setViewportSize({ width: 1280, height: 800 });
      await alice.getByRole("link", { name: "Chats" }).click();
      await alice.getByRole("link", { name: /Bob/ }).click();
      await visible(alice.getByRole("complementary", { name: "Chats" }));
      await screenshot(alice, "16-desktop");
    },
    STORY_TIMEOUT_MS,
  );
});
