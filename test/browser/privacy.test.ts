import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { PIN } from "../payment-helpers";
import {
  describeInChromium,
  STORY_TIMEOUT_MS,
  screenshot,
  sheet,
  signInAs,
  useBrowserWorld,
  visible,
} from "./browser-harness";

describeInChromium("privacy in Chromium", () => {
  let alice: Page;
  let bob: Page;
  const world = useBrowserWorld(async (w) => {
    alice = (await w.person()).page;
    bob = (await w.person()).page;
  });

  it(
    "asks for consent on first run, keeps strangers out, downloads the data after the PIN, and closes the account",
    async () => {
      // First run: what the person agrees to, before anything of payments opens.
      await alice.getByRole("button", { name: "Sign in as Alice" }).click();
      await visible(alice.getByRole("heading", { name: "Before you start" }));
      await visible(alice.getByText("The terms of service (version 1)"));
      await screenshot(alice, "privacy-01-consent");
      await alice.getByRole("button", { name: "Agree and continue" }).click();
      await visible(alice.getByRole("heading", { name: "Chats" }));
      await signInAs(bob, "Bob");
      await visible(bob.getByRole("heading", { name: "Chats" }));

      // Alice lets nobody start a chat with her; Bob is refused.
      await alice.getByRole("link", { name: "Privacy" }).click();
      await alice.getByLabel("Who can start a chat with you").selectOption("nobody");
      await alice.getByRole("button", { name: "Save" }).click();
      await visible(alice.getByRole("status").filter({ hasText: "Saved." }));
      await screenshot(alice, "privacy-02-settings");
      await bob.getByLabel("Chat with (handles)").fill("alice");
      await bob.getByRole("button", { name: "Start chat" }).click();
      await visible(bob.getByText("This person does not accept new chats from you"));

      // The export: the PIN first (set under Security), then the archive, once.
      await alice.getByRole("link", { name: "Security" }).click();
      await alice.getByRole("button", { name: "Set PIN" }).click();
      await sheet(alice).getByLabel("New 6-digit PIN", { exact: true }).fill(PIN);
      await sheet(alice).getByLabel("Enter the same PIN again", { exact: true }).fill(PIN);
      await visible(alice.getByRole("button", { name: "Change PIN" }));
      await alice.getByRole("link", { name: "Privacy" }).click();
      await alice.getByRole("button", { name: "Download my data" }).click();
      await visible(sheet(alice).getByRole("heading", { name: "Confirm it is you" }));
      await sheet(alice).getByLabel("Enter your payment PIN", { exact: true }).fill(PIN);
      await visible(sheet(alice).getByRole("heading", { name: "Your data" }));
      const saveAll = await visible(sheet(alice).getByRole("link", { name: "Save everything (JSON)" }));
      expect(await saveAll.getAttribute("download")).toMatch(/^chat-pay-\d{4}-\d{2}-\d{2}\.json$/);
      await visible(sheet(alice).getByRole("link", { name: "Save the statement (CSV)" }));
      await screenshot(alice, "privacy-03-export");
      await sheet(alice).getByRole("button", { name: "Done" }).click();

      // Withdrawing the payments consent is recorded and shown.
      const payments = alice.locator('li[data-purpose="payments"]');
      await payments.getByRole("button", { name: "Withdraw" }).click();
      await visible(alice.locator('li[data-purpose="payments"][data-standing="false"]'));
      await alice.locator('li[data-purpose="payments"]').getByRole("button", { name: "Agree" }).click();
      await visible(alice.locator('li[data-purpose="payments"][data-standing="true"]'));

      // Closing: a last word, then the sign-in screen; the account is gone.
      await alice.getByRole("button", { name: "Close my account…" }).click();
      await visible(sheet(alice).getByText("This cannot be undone."));
      await screenshot(alice, "privacy-04-close");
      await sheet(alice).getByRole("button", { name: "Close my account" }).click();
      await visible(alice.getByText("Your account is closed. Thank you for using chat-pay."));
      const left = await world().h.db.selectFrom("users").select("id").where("handle", "=", "alice").execute();
      expect(left).toEqual([]);
    },
    STORY_TIMEOUT_MS,
  );
});
