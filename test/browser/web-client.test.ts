import type { Locator, Page } from "playwright-core";
import { expect, it } from "vitest";
import {
  apart,
  describeInChromium,
  newestMessageInView,
  pinPadsShown,
  recordPinPads,
  STORY_TIMEOUT_MS,
  screenshot,
  sheet,
  signInAs,
  useBrowserWorld,
  visible,
} from "./browser-harness";

/** Browser stories take seconds each (argon2 PIN hashes, Stripe round trips); these are ceilings, not waits. */
const ALICE_PIN = "480917";
const BOB_PIN = "295073";
/** A first payment asks for a new PIN twice and then confirms with it: no third entry. */
const SET_AND_REPEAT = ["New 6-digit PIN", "Enter the same PIN again"];

const paymentCard = (page: Page, amount: string) =>
  page.locator("article[data-payment-id]").filter({ hasText: amount });
const requestCard = (page: Page, amount: string) =>
  page.locator("article[data-request-id]").filter({ hasText: amount });
/** One person's line on a split request's card, by its status. */
const share = (card: Locator, name: string, status: "pending" | "paying" | "paid" | "declined") =>
  card.locator(`li[data-share-status="${status}"]`).filter({ hasText: name });

async function typeAmountOnKeypad(page: Page, keys: string[]): Promise<void> {
  const keypad = sheet(page).getByRole("group", { name: "Amount keypad" });
  for (const key of keys) {
    await keypad.getByRole("button", { name: key === "." ? "Decimal point" : key, exact: true }).click();
  }
}

/** A first payment's setup in the sheet: a test debit card, then the new PIN typed twice. */
/**
 * The risk warnings a payment to someone new shows before it is confirmed: each read, then
 * "I understand" (the confirmation sends them as acknowledged).
 */
async function acknowledgeWarnings(page: Page, ...warnings: string[]): Promise<void> {
  await visible(sheet(page).getByRole("heading", { name: "Before you pay" }));
  const note = sheet(page).getByRole("note", { name: "Warnings about this payment" });
  for (const warning of warnings) await visible(note.getByText(warning));
  await sheet(page).getByRole("button", { name: "I understand, continue" }).click();
}

const FIRST_PAYEE = "You have never paid this person. Only pay people you know and trust.";
const NEW_ACCOUNT = "This person's account is less than two days old.";

async function enrollAndSetPin(page: Page, card: RegExp, cardAdded: string, pin: string): Promise<void> {
  await visible(sheet(page).getByRole("heading", { name: "Add a debit card" }));
  await sheet(page).getByRole("radio", { name: card }).check();
  await sheet(page).getByRole("button", { name: "Add card" }).click();
  await visible(sheet(page).getByRole("heading", { name: "Set a payment PIN" }));
  await visible(sheet(page).getByRole("status").filter({ hasText: cardAdded }));
  await sheet(page).getByLabel("New 6-digit PIN", { exact: true }).fill(pin);
  await sheet(page).getByLabel("Enter the same PIN again", { exact: true }).fill(pin);
}

describeInChromium("web client in Chromium: Alice and Bob", () => {
  let alice: Page;
  let bob: Page;
  const world = useBrowserWorld(async (w) => {
    alice = (await w.person()).page;
    bob = (await w.person()).page;
  });

  it(
    "two people sign in as demo people and chat live",
    async () => {
      await screenshot(bob, "01-sign-in");
      await signInAs(bob, "Bob");
      await visible(bob.getByRole("heading", { name: "Chats" }));
      await signInAs(alice, "Alice");

      await alice.getByLabel("Chat with (handles)").fill("bob");
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
    "Alice's first payment: credit card refused, debit card added, a weak PIN refused at once, $12.34 confirmed with the PIN just set",
    async () => {
      await recordPinPads(alice);
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

      // The card is named as added, over the next step: a PIN, on the PIN pad.
      await visible(sheet(alice).getByRole("heading", { name: "Set a payment PIN" }));
      await visible(sheet(alice).getByRole("status").filter({ hasText: "Visa debit •••• 5556 added" }));
      await screenshot(alice, "05-pin-pad");

      // A PIN the rules refuse is refused as soon as it is typed (on the pad's keys), with why.
      const pinKeys = sheet(alice).getByRole("group", { name: "New 6-digit PIN keypad" });
      for (const digit of "123456") await pinKeys.getByRole("button", { name: digit, exact: true }).click();
      const weak = await visible(sheet(alice).getByRole("alert"));
      expect(await weak.textContent()).toBe("Choose another PIN: it must not be ascending digits.");
      await screenshot(alice, "06-weak-pin-refused");

      // Bob is new to her (and to payments): she reads why that matters and acknowledges it; then
      // the PIN typed twice confirms the payment: the sheet closes without asking for it again.
      await sheet(alice).getByLabel("New 6-digit PIN", { exact: true }).fill(ALICE_PIN);
      await sheet(alice).getByLabel("Enter the same PIN again", { exact: true }).fill(ALICE_PIN);
      await visible(sheet(alice).getByRole("heading", { name: "Before you pay" }));
      await screenshot(alice, "06b-risk-warnings");
      await acknowledgeWarnings(alice, FIRST_PAYEE, NEW_ACCOUNT);
      await sheet(alice).waitFor({ state: "detached" });
      expect(await pinPadsShown(alice)).toEqual(["New 6-digit PIN", ...SET_AND_REPEAT]);

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
      await visible(bob.getByRole("status").filter({ hasText: "Mastercard debit •••• 8210 added" }));

      await visible(received.getByText("Paid out to your card"));
      await screenshot(bob, "09-paid-out");
      await visible(paymentCard(alice, "$12.34").getByText("Paid out to Bob"));
    },
    STORY_TIMEOUT_MS,
  );

  it(
    "Alice requests $5 from Bob (the toast stays clear of the new card) and Bob pays it, confirming with the PIN he sets on the way",
    async () => {
      await alice.getByRole("button", { name: "Send or request money" }).click();
      await typeAmountOnKeypad(alice, ["5"]);
      await sheet(alice).getByLabel("What's it for? (optional)").fill("Coffee");
      await sheet(alice).getByRole("button", { name: "Request", exact: true }).click();
      await sheet(alice).waitFor({ state: "detached" });
      await visible(requestCard(alice, "$5.00").getByText("Bob: not paid yet"));
      const toast = await visible(alice.locator(".announcer.visible").filter({ hasText: "Requested $5.00" }));
      await expect.poll(() => newestMessageInView(alice)).toBe(true);
      expect(await apart(toast, alice.locator(".messages > li").last())).toBe(true);
      expect(await apart(toast, alice.locator("form.composer"))).toBe(true);

      const request = requestCard(bob, "$5.00");
      await visible(request.getByText("You owe $5.00"));
      await visible(request.getByText("Waiting for you"));
      await screenshot(bob, "10-request-received");
      await recordPinPads(bob);
      await request.getByRole("button", { name: "Pay $5.00" }).click();

      // Bob has a card already (he added it to receive); he still needs a PIN to pay, and it confirms.
      await visible(sheet(bob).getByRole("heading", { name: "Set a payment PIN" }));
      await sheet(bob).getByLabel("New 6-digit PIN", { exact: true }).fill(BOB_PIN);
      await sheet(bob).getByLabel("Enter the same PIN again", { exact: true }).fill(BOB_PIN);
      await acknowledgeWarnings(bob, FIRST_PAYEE, NEW_ACCOUNT);
      await sheet(bob).waitFor({ state: "detached" });
      expect(await pinPadsShown(bob)).toEqual(SET_AND_REPEAT);

      await visible(request.getByText("You paid $5.00"));
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
      expect(await alice.getByRole("list", { name: "Security log" }).textContent()).toContain("method: webauthn");
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
      await visible(paymentCard(alice, "$7.50").getByText("Paid out to Bob"));
      await screenshot(alice, "16-desktop");
    },
    STORY_TIMEOUT_MS,
  );

  it(
    "a chat opens at its newest message, on a phone and on a wide window",
    async () => {
      // A reload opens the chat from scratch: its cards load after the first render and grow.
      await alice.setViewportSize({ width: 390, height: 844 });
      await alice.reload();
      await visible(paymentCard(alice, "$7.50").getByText("Paid out to Bob"));
      await expect.poll(() => newestMessageInView(alice)).toBe(true);
      await screenshot(alice, "17-opens-at-newest");

      await alice.setViewportSize({ width: 1280, height: 800 });
      await alice.reload();
      await visible(paymentCard(alice, "$7.50").getByText("Paid out to Bob"));
      await expect.poll(() => newestMessageInView(alice)).toBe(true);
    },
    STORY_TIMEOUT_MS,
  );

  it(
    "Bob sees nothing of a payment Alice has not confirmed (a wrong PIN counted meanwhile); once she confirms it arrives live",
    async () => {
      await alice.getByRole("button", { name: "Send or request money" }).click();
      await typeAmountOnKeypad(alice, ["3", ".", "2", "1"]);
      await sheet(alice).getByLabel("What's it for? (optional)").fill("Snacks");
      await sheet(alice).getByRole("button", { name: "Pay", exact: true }).click();

      // Created, waiting for Alice: a wrong PIN says how many attempts are left.
      await sheet(alice).getByLabel("Enter your payment PIN", { exact: true }).fill("135790");
      const wrong = await visible(sheet(alice).getByRole("alert"));
      expect(await wrong.textContent()).toBe("Incorrect PIN. 4 attempts left before your PIN is locked.");
      await screenshot(alice, "18-wrong-pin");

      // Bob opens the chat afresh (from the API) and has it open while a later message arrives
      // live: the events stream in order, so anything about the payment would have come first.
      await bob.reload();
      await visible(paymentCard(bob, "$7.50").getByText("Paid out to your card"));
      const threadId = new URL(bob.url()).hash.split("/")[2] ?? "";
      const { token } = await world().h.signIn("alice");
      const posted = await world().h.request("POST", `/v1/threads/${threadId}/messages`, {
        token,
        body: { body: "Sending it now" },
      });
      expect(posted.status).toBe(201);
      await visible(bob.getByRole("log").getByText("Sending it now"));
      expect(await paymentCard(bob, "$3.21").count()).toBe(0);
      await screenshot(bob, "19-unconfirmed-not-shown");
      await bob.getByRole("link", { name: "Payments" }).click();
      await visible(bob.getByRole("list", { name: "Payments" }).getByRole("listitem").filter({ hasText: "$7.50" }));
      expect(await bob.getByRole("list", { name: "Payments" }).getByText("$3.21").count()).toBe(0);
      await bob.goBack();

      await sheet(alice).getByLabel("Enter your payment PIN", { exact: true }).fill(ALICE_PIN);
      await sheet(alice).waitFor({ state: "detached" });
      await visible(paymentCard(bob, "$3.21").getByText("Paid out to your card"));
      await expect.poll(() => newestMessageInView(bob)).toBe(true);
      await screenshot(bob, "20-confirmed-arrives");
    },
    STORY_TIMEOUT_MS,
  );
});

describeInChromium("web client in Chromium: a group of three", () => {
  let carol: Page;
  let alice: Page;
  let bob: Page;
  useBrowserWorld(async (w) => {
    carol = (await w.person()).page;
    alice = (await w.person()).page;
    bob = (await w.person()).page;
  });

  it(
    "Carol starts a group with Alice and Bob from the client; it appears in their lists at once",
    async () => {
      await signInAs(alice, "Alice");
      await signInAs(bob, "Bob");
      await signInAs(carol, "Carol");
      await visible(alice.getByRole("heading", { name: "Chats" }));
      await visible(bob.getByRole("heading", { name: "Chats" }));

      // Several handles make a group, which may have a name.
      await carol.getByLabel("Chat with (handles)").fill("@alice, bob");
      await carol.getByLabel("Group name (optional)").fill("Ski trip");
      await screenshot(carol, "21-new-group");
      await carol.getByRole("button", { name: "Start group" }).click();
      await visible(carol.getByRole("heading", { name: "Ski trip", level: 2 }));
      await visible(carol.getByText("You, Alice, Bob"));
      await screenshot(carol, "22-group-created");

      // Nobody has written yet: the new thread itself is announced to its members.
      await visible(alice.getByRole("link", { name: /Ski trip/ }));
      await visible(bob.getByRole("link", { name: /Ski trip/ }));
      await screenshot(alice, "23-group-in-list");
    },
    STORY_TIMEOUT_MS,
  );

  it(
    "an equal split: Carol asks for $30 counting herself in, Alice and Bob pay $10 each, and her card shows who has paid, live",
    async () => {
      await carol.getByRole("button", { name: "Send or request money" }).click();
      await typeAmountOnKeypad(carol, ["3", "0"]);
      await sheet(carol).getByLabel("What's it for? (optional)").fill("Cabin");
      await sheet(carol).getByRole("button", { name: "Request", exact: true }).click();

      // Everyone else is asked unless unticked; equally by default.
      await visible(sheet(carol).getByRole("heading", { name: "Request $30.00" }));
      expect(await sheet(carol).getByRole("checkbox", { name: "Alice" }).isChecked()).toBe(true);
      expect(await sheet(carol).getByRole("checkbox", { name: "Bob" }).isChecked()).toBe(true);
      const preview = sheet(carol).getByRole("list", { name: "Each share" });
      await visible(preview.getByRole("listitem").filter({ hasText: "Alice" }).getByText("$15.00"));
      await sheet(carol).getByRole("checkbox", { name: "Count me in: I pay a share too" }).check();
      await visible(preview.getByRole("listitem").filter({ hasText: "Alice" }).getByText("$10.00"));
      await visible(preview.getByRole("listitem").filter({ hasText: "Bob" }).getByText("$10.00"));
      await visible(preview.getByRole("listitem").filter({ hasText: "You (not asked for)" }).getByText("$10.00"));
      await screenshot(carol, "24-equal-split");
      await sheet(carol).getByRole("button", { name: "Send request" }).click();
      await sheet(carol).waitFor({ state: "detached" });

      const carolsCard = requestCard(carol, "$30.00");
      await visible(share(carolsCard, "Alice", "pending").getByText("not paid yet"));
      await visible(share(carolsCard, "Bob", "pending"));
      await visible(carolsCard.getByText("0 of 2 paid"));

      // Alice's share is the line she acts on; paying it is her first payment.
      await alice.getByRole("link", { name: /Ski trip/ }).click();
      const alicesCard = requestCard(alice, "$30.00");
      await visible(alicesCard.getByText("You owe $10.00"));
      await screenshot(alice, "25-share-owed");
      await recordPinPads(alice);
      await alicesCard.getByRole("button", { name: "Pay $10.00" }).click();
      await enrollAndSetPin(alice, /^Visa debit/, "Visa debit •••• 5556 added", ALICE_PIN);
      await acknowledgeWarnings(alice, FIRST_PAYEE, NEW_ACCOUNT);
      await sheet(alice).waitFor({ state: "detached" });
      expect(await pinPadsShown(alice)).toEqual(SET_AND_REPEAT);
      await visible(alicesCard.getByText("You paid $10.00"));

      // Carol sees who has paid and who has not, without reloading.
      await visible(share(carolsCard, "Alice", "paid"));
      await visible(share(carolsCard, "Bob", "pending"));
      await visible(carolsCard.getByText("1 of 2 paid"));
      await screenshot(carol, "26-one-paid");

      await bob.getByRole("link", { name: /Ski trip/ }).click();
      const bobsCard = requestCard(bob, "$30.00");
      await visible(share(bobsCard, "Alice", "paid"));
      await recordPinPads(bob);
      await bobsCard.getByRole("button", { name: "Pay $10.00" }).click();
      await enrollAndSetPin(bob, /^Mastercard debit/, "Mastercard debit •••• 8210 added", BOB_PIN);
      await acknowledgeWarnings(bob, FIRST_PAYEE, NEW_ACCOUNT);
      await sheet(bob).waitFor({ state: "detached" });
      expect(await pinPadsShown(bob)).toEqual(SET_AND_REPEAT);

      await visible(share(carolsCard, "Bob", "paid"));
      await visible(carolsCard.getByText("Paid", { exact: true }));
      await screenshot(carol, "27-all-paid");
    },
    STORY_TIMEOUT_MS,
  );

  it(
    "a split by amounts: $25 as $15 from Alice and $10 from Bob, held back until it adds up; both pay",
    async () => {
      await carol.getByRole("button", { name: "Send or request money" }).click();
      await typeAmountOnKeypad(carol, ["2", "5"]);
      await sheet(carol).getByLabel("What's it for? (optional)").fill("Groceries");
      await sheet(carol).getByRole("button", { name: "Request", exact: true }).click();
      await sheet(carol).getByRole("radio", { name: "By amounts" }).check();

      const send = sheet(carol).getByRole("button", { name: "Send request" });
      const left = sheet(carol).locator("output");
      await visible(left.getByText("$25.00 left to share out"));
      expect(await send.isDisabled()).toBe(true);
      await sheet(carol).getByLabel("Alice pays").fill("15");
      await visible(left.getByText("$10.00 left to share out"));
      expect(await send.isDisabled()).toBe(true);
      await sheet(carol).getByLabel("Bob pays").fill("12");
      await visible(left.getByText("$2.00 more than the total"));
      expect(await send.isDisabled()).toBe(true);
      await screenshot(carol, "28-split-by-amounts");
      await sheet(carol).getByLabel("Bob pays").fill("10");
      await visible(left.getByText("Adds up to $25.00"));
      expect(await send.isEnabled()).toBe(true);
      await screenshot(carol, "29-split-adds-up");
      await send.click();
      await sheet(carol).waitFor({ state: "detached" });

      const carolsCard = requestCard(carol, "$25.00");
      await visible(share(carolsCard, "Alice", "pending").getByText("$15.00"));
      await visible(share(carolsCard, "Bob", "pending").getByText("$10.00"));

      const alicesCard = requestCard(alice, "$25.00");
      await visible(alicesCard.getByText("You owe $15.00"));
      await alicesCard.getByRole("button", { name: "Pay $15.00" }).click();
      await sheet(alice).getByLabel("Enter your payment PIN", { exact: true }).fill(ALICE_PIN);
      await sheet(alice).waitFor({ state: "detached" });

      await visible(share(carolsCard, "Alice", "paid"));
      await visible(share(carolsCard, "Bob", "pending").getByText("not paid yet"));
      await screenshot(carol, "30-amounts-one-paid");
      // Bob may not see a payment between Alice and Carol: its message stands in for it.
      await visible(paymentCard(bob, "Alice sent a payment").getByText("Payment of 15.00 USD: Groceries"));

      const bobsCard = requestCard(bob, "$25.00");
      await bobsCard.getByRole("button", { name: "Pay $10.00" }).click();
      await sheet(bob).getByLabel("Enter your payment PIN", { exact: true }).fill(BOB_PIN);
      await sheet(bob).waitFor({ state: "detached" });
      await visible(share(carolsCard, "Bob", "paid"));
      await visible(carolsCard.getByText("Paid", { exact: true }));
      await screenshot(bob, "31-amounts-paid-phone");

      await carol.setViewportSize({ width: 1280, height: 800 });
      await expect.poll(() => newestMessageInView(carol)).toBe(true);
      await screenshot(carol, "32-group-desktop");
    },
    STORY_TIMEOUT_MS,
  );

  it(
    "the money sheet closes when the person navigates away",
    async () => {
      await carol.getByRole("button", { name: "Send or request money" }).click();
      await visible(sheet(carol).getByRole("group", { name: "Amount keypad" }));
      await carol.goBack();
      await sheet(carol).waitFor({ state: "detached" });
      expect(new URL(carol.url()).hash).toBe("");
      await visible(carol.getByRole("link", { name: /Ski trip/ }));
    },
    STORY_TIMEOUT_MS,
  );
});
