import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { createBankHarness, delivered } from "../bank-helpers";
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

describeInChromium("bank linking in Chromium", () => {
  let page: Page;
  const world = useBrowserWorld(async (w) => {
    page = (await w.person()).page;
  }, createBankHarness);

  it(
    "links the bank through the consent and the bank's approval screen, answers a fraud alert live, and shows the balance after the PIN",
    async () => {
      await signInAs(page, "Alice");
      await visible(page.getByRole("heading", { name: "Chats" }));

      // A PIN first (the balance will ask for it), under Security.
      await page.getByRole("link", { name: "Security" }).click();
      await page.getByRole("button", { name: "Set PIN" }).click();
      await sheet(page).getByLabel("New 6-digit PIN", { exact: true }).fill(PIN);
      await sheet(page).getByLabel("Enter the same PIN again", { exact: true }).fill(PIN);
      await visible(page.getByRole("button", { name: "Change PIN" }));

      // The consent screen, then the bank's own approval screen, then back into the chat.
      await page.getByRole("button", { name: "Link a bank" }).click();
      await visible(sheet(page).getByRole("heading", { name: "Link Emulated Bank" }));
      await sheet(page).getByRole("button", { name: "Next" }).click();
      await visible(sheet(page).getByText("no analytics, no advertising, no profile"));
      await screenshot(page, "bank-01-consent");
      await sheet(page).getByRole("button", { name: "Agree and continue to Emulated Bank" }).click();
      await visible(page.getByRole("heading", { name: "chat-pay asks to connect to your bank" }));
      await page.getByLabel("Sign in as").selectOption("alex");
      await page.getByLabel(/Password/).fill("anything");
      await screenshot(page, "bank-02-approval");
      await page.getByRole("button", { name: "Approve" }).click();
      await visible(page.getByRole("heading", { name: "Emulated Bank", level: 2 }));
      await visible(page.getByRole("log").getByText("You linked Emulated Bank"));
      expect(new URL(page.url()).search).toBe("");

      // A fraud alert arrives live; "Not me" goes to the bank and the freeze comes back.
      world().h.bank.control.fraudAlert({ persona: "alex", merchant: "Gadget Outlet 4410", amountMinor: 91_200 });
      await delivered(world().h);
      await visible(page.getByRole("log").getByText("Was this you? 912.00 USD at Gadget Outlet 4410"));
      await page.getByRole("button", { name: "Not me" }).click();
      await visible(page.getByRole("log").getByText("We froze your card"));
      await visible(page.getByText("You said: Not me"));
      await screenshot(page, "bank-03-alert");

      // A receipt.
      world().h.bank.control.purchase({ persona: "alex", merchant: "Sunrise Bakery 7731", amountMinor: 1_250 });
      await delivered(world().h);
      await visible(page.getByRole("log").getByText("Receipt: 12.50 USD at Sunrise Bakery 7731"));

      // The balance, after the PIN; shown in the sheet only.
      await page.getByRole("button", { name: "Show balance" }).click();
      await visible(sheet(page).getByRole("heading", { name: "Confirm it is you" }));
      await sheet(page).getByLabel("Enter your payment PIN", { exact: true }).fill(PIN);
      await visible(sheet(page).getByText("$1,227.66"));
      await screenshot(page, "bank-04-balance");
      await sheet(page).getByRole("button", { name: "Done" }).click();
      // Gone with the sheet: the page keeps no copy of it.
      await page.getByText("$1,227.66").waitFor({ state: "detached" });
      expect(await page.content()).not.toContain("1,227.66");

      // The link and its access log in Security; then unlink.
      await page.getByRole("link", { name: "Security" }).click();
      await visible(page.getByText("Balance read (not kept)"));
      await page.getByRole("button", { name: "Unlink" }).click();
      await sheet(page).getByRole("button", { name: "Unlink" }).click();
      await visible(page.getByText(/you unlinked it/));
    },
    STORY_TIMEOUT_MS,
  );
});
