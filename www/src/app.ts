import { version } from "sendgate";
import { initContact } from "./contact";
import { initTemplates } from "./templates";
import { initTriage } from "./triage";
import { initAudience } from "./audience";
import { initAccount } from "./account";
import { initCampaigns } from "./campaigns";

export function start(): void {
  performance.mark("sendgate:ready");
  initContact();
  initTemplates();
  initTriage();
  initAudience();
  initAccount();
  initCampaigns();
  const v = version();
  document.getElementById("version")!.textContent = `sendgate ${v.crate} · phone metadata ${v.phone_metadata}`;
}
