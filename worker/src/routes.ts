// Every /v1 route, with the scope it needs: the one place that says who may call what. A route
// added later (campaigns, the account) declares its method, path and scope here, and its handler
// gets workspaces only through `ctx.workspace()`, which keeps a workspace key inside its own.
//
//   scope   platform API_KEY   workspace key            ADMIN_API_KEY
//   check   yes, any workspace  with "check", its own    403
//   send    yes, any workspace  with "send", its own     403
//   read    yes, any workspace  with "read", its own     403
//   any     yes                 yes, its own             403
//   admin   403                 403                      yes
import * as api from "./api.ts";
import * as campaigns from "./campaign_api.ts";
import type { RouteScope } from "./auth.ts";
import { HttpError } from "./http.ts";

type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface Route {
  method: Method;
  /** `{name}` matches one path segment. */
  path: string;
  scope: RouteScope;
  handle(ctx: api.RouteContext): Promise<Response>;
}

export const ROUTES: readonly Route[] = [
  { method: "POST", path: "/v1/check", scope: "check", handle: api.postCheck },
  { method: "POST", path: "/v1/send", scope: "send", handle: api.postSend },
  { method: "GET", path: "/v1/failures", scope: "read", handle: api.getFailures },
  { method: "GET", path: "/v1/sends/{key}", scope: "read", handle: api.getSendRecords },
  { method: "GET", path: "/v1/stats", scope: "read", handle: api.getStats },
  { method: "GET", path: "/v1/credits", scope: "read", handle: api.getCredits },
  { method: "GET", path: "/v1/recipients/{wa_id}", scope: "read", handle: api.getRecipient },
  { method: "GET", path: "/v1/workspace", scope: "any", handle: api.getWorkspace },
  { method: "POST", path: "/v1/campaigns", scope: "send", handle: campaigns.postCampaign },
  { method: "GET", path: "/v1/campaigns", scope: "read", handle: campaigns.getCampaigns },
  { method: "GET", path: "/v1/campaigns/{id}", scope: "read", handle: campaigns.getCampaign },
  { method: "GET", path: "/v1/campaigns/{id}/contacts", scope: "read", handle: campaigns.getCampaignContacts },
  { method: "POST", path: "/v1/campaigns/{id}/contacts", scope: "send", handle: campaigns.postCampaignContacts },
  { method: "POST", path: "/v1/campaigns/{id}/pause", scope: "send", handle: campaigns.postPause },
  { method: "POST", path: "/v1/campaigns/{id}/resume", scope: "send", handle: campaigns.postResume },
  { method: "POST", path: "/v1/campaigns/{id}/cancel", scope: "send", handle: campaigns.postCancel },
  { method: "GET", path: "/v1/account", scope: "read", handle: api.getAccount },
  { method: "POST", path: "/v1/admin/credits", scope: "admin", handle: api.postTopUp },
  { method: "GET", path: "/v1/admin/workspaces/{id}", scope: "admin", handle: api.getProfile },
  { method: "PUT", path: "/v1/admin/workspaces/{id}", scope: "admin", handle: api.putProfile },
  { method: "POST", path: "/v1/admin/workspaces/{id}/keys", scope: "admin", handle: api.postKey },
  { method: "GET", path: "/v1/admin/workspaces/{id}/keys", scope: "admin", handle: api.getKeys },
  { method: "DELETE", path: "/v1/admin/workspaces/{id}/keys/{key_id}", scope: "admin", handle: api.deleteKey },
];

const segments = (path: string) => path.split("/").slice(1);

function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = segments(pattern);
  const got = segments(path);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const name = /^\{(\w+)\}$/.exec(want[i])?.[1];
    if (name) {
      if (got[i] === "") return null;
      params[name] = got[i];
    } else if (want[i] !== got[i]) {
      return null;
    }
  }
  return params;
}

/** The route for a request, or 404 / 405 (with Allow). */
export function findRoute(method: string, path: string): { route: Route; params: Record<string, string> } {
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
  }
  if (allowed.length > 0) throw new HttpError(405, "method_not_allowed", `use ${allowed.join(", ")}`, undefined, { allow: allowed.join(", ") });
  throw new HttpError(404, "not_found", "no such route");
}
